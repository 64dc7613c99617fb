"""Fairfund's Django project and domain apps."""
