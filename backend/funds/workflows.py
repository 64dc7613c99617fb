"""A fund's lifecycle as data: which phase may follow which, and which date starts each phase.

The services in backend.funds.services apply these under a row lock; nothing else moves a fund.
"""

from __future__ import annotations

from .models import Phase

# Allowed transitions. Cancelling is possible from any phase before the decision.
TRANSITIONS: dict[Phase, frozenset[Phase]] = {
    Phase.DRAFT: frozenset({Phase.OPEN_FOR_BIDS, Phase.CANCELLED}),
    Phase.OPEN_FOR_BIDS: frozenset({Phase.SCREENING, Phase.CANCELLED}),
    Phase.SCREENING: frozenset({Phase.SCORING, Phase.CANCELLED}),
    Phase.SCORING: frozenset({Phase.VOTING, Phase.CANCELLED}),
    Phase.VOTING: frozenset({Phase.TALLYING, Phase.CANCELLED}),
    Phase.TALLYING: frozenset({Phase.DECIDED, Phase.CANCELLED}),
    Phase.DECIDED: frozenset({Phase.PUBLISHED}),
    Phase.PUBLISHED: frozenset(),
    Phase.CANCELLED: frozenset(),
}

# The phase each timeline date starts: the scheduler moves a fund into it once the date passes.
# Tallying is as far as the scheduler goes: the award (the tally's decision) does the rest.
SCHEDULED_STARTS: dict[Phase, tuple[Phase, str]] = {
    Phase.DRAFT: (Phase.OPEN_FOR_BIDS, "bids_open_at"),
    Phase.OPEN_FOR_BIDS: (Phase.SCREENING, "bids_close_at"),
    Phase.SCREENING: (Phase.SCORING, "scoring_starts_at"),
    Phase.SCORING: (Phase.VOTING, "voting_opens_at"),
    Phase.VOTING: (Phase.TALLYING, "voting_closes_at"),
}

# Phases only the award's own service enters (the tally decides; nobody decides by hand).
AWARD_ONLY: frozenset[Phase] = frozenset({Phase.DECIDED})


def allowed(source: Phase | str, target: Phase | str) -> bool:
    return Phase(target) in TRANSITIONS[Phase(source)]
