"""Bids, budget lines, evidence and attachments from organisations applying to funds."""
