"""A bid's lifecycle as data: which status may follow which.

The services in backend.bids.services apply these under a row lock; nothing else moves a bid.
"""

from __future__ import annotations

from .models import Status

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED, Status.WITHDRAWN}),
    Status.SUBMITTED: frozenset({Status.WITHDRAWN, Status.ELIGIBLE, Status.INELIGIBLE}),
    Status.WITHDRAWN: frozenset(),
    Status.ELIGIBLE: frozenset(),
    Status.INELIGIBLE: frozenset(),
}


def allowed(source: Status | str, target: Status | str) -> bool:
    return Status(target) in TRANSITIONS[Status(source)]
