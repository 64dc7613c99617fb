"""Outbox rows (one per recipient and channel) and each person's choice of emails."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    IN_APP = "in_app", _("In the app")


class State(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Kind(models.TextChoices):
    ORGANISATION_INVITATION = "organisation_invitation", _("Invitations to join an organisation")
    ROLE_GRANTED = "role_granted", _("A role given to you")
    ROLE_REVOKED = "role_revoked", _("A role taken from you")
    MFA_RESET = "mfa_reset", _("Your two-factor authentication was reset")
    FUND_OPENED = "fund_opened", _("A fund of your panel opened for bids")
    BID_SCREENED = "bid_screened", _("The screening decision on your organisation's bid")
    BID_SUBMITTED = "bid_submitted", _("Confirmation that your organisation submitted a bid")
    BID_WITHDRAWN = "bid_withdrawn", _("Confirmation that your organisation withdrew a bid")
    CONFLICT_FLAGGED = "conflict_flagged", _("A conflict of interest declared after the shortlist")
    SHEET_REOPENED = "sheet_reopened", _("Your scores for a bid reopened by the chair")
    SCORING_REMINDER = "scoring_reminder", _("Reminders of scoring still to do")
    SHORTLIST_DECIDED = "shortlist_decided", _("Whether your organisation's bid is shortlisted")


# Kinds a person may not switch off by email: they are about the security of their account.
ALWAYS_EMAILED = frozenset({Kind.MFA_RESET})


class Notification(models.Model):
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # For people without an account (an invited colleague, a resident voting with a paper code).
    recipient_email = models.EmailField(blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    language = models.CharField(max_length=10, default="en-gb")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)
    # What the templates show. Ordinary (erasable) row: it may hold names and links.
    context = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="notification_has_recipient",
                condition=Q(recipient_user__isnull=False) | ~Q(recipient_email=""),
            ),
            models.CheckConstraint(
                name="notification_in_app_needs_user",
                condition=~Q(channel="in_app") | Q(recipient_user__isnull=False),
            ),
            models.CheckConstraint(
                name="notification_sent_has_time",
                condition=~Q(state="sent") | Q(sent_at__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="notification_due"),
            models.Index(
                fields=["recipient_user", "channel", "-created_at"], name="notification_inbox"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.channel} ({self.state})"


class EmailPreference(models.Model):
    """Whether a person wants a kind of notification by email (the in-app list always has it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="email_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {'email' if self.email else 'no email'}"
