"""Screening pages: a fund's officers work through its submitted bids, record an outcome and a
reason for each checklist item of a bid, then decide it eligible or ineligible.

Each view reads through selectors, writes through the screening services, and renders; the
selectors and services decide who may screen what, and when. Times are shown in Europe/London.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from backend.accounts.permissions import Actor
from backend.accounts.sessions import actor_from_request
from backend.bids.selectors import (
    Screening,
    bid_get,
    screening_decided,
    screening_for_bid,
    screening_queue,
)
from backend.bids.services import screening_decide, screening_record_item
from backend.core.errors import ApplicationError
from backend.funds.selectors import checklist_item_for_fund, fund_get

from ..forms.errors import apply_application_error
from ..forms.screening import ScreeningDecisionForm, ScreeningItemForm
from .errors import renders_domain_errors

TEMPLATE = "frontend/screening/bid.html"


def _url_or_none(name: str, *args: object) -> str | None:
    """The URL of a page that another part of the UI provides, or None while it does not exist
    (the link is then left out rather than breaking this page)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


@login_required
@renders_domain_errors
def fund_screening_queue(request: HttpRequest, fund_id: int) -> HttpResponse:
    """The fund's submitted bids awaiting a decision (oldest first), and those decided."""
    actor = actor_from_request(request)
    fund = fund_get(actor=actor, fund_id=fund_id)
    waiting = list(screening_queue(actor=actor, fund=fund))
    decided = screening_decided(actor=actor, fund=fund)
    return render(
        request,
        "frontend/screening/queue.html",
        {
            "fund": fund,
            "waiting": waiting,
            "decided": decided,
            "items_total": len(fund.checklist.all()),
        },
    )


@dataclass
class _BidScreeningPage:
    """What the bid's screening page shows, and the forms on it."""

    actor: Actor
    bid: Any
    screening: Screening
    next_bid: Any
    item_forms: list[ScreeningItemForm] = field(default_factory=list)
    decision_form: ScreeningDecisionForm | None = None
    page_errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def screenable(self) -> bool:
        """Whether to offer the forms: the services refuse anything else with a reason."""
        return bool(self.bid.status == "submitted" and self.bid.fund.phase == "screening")

    def summary(self) -> list[tuple[str, str]]:
        entries = list(self.page_errors)
        for form in self.item_forms:
            entries.extend(form.summary())
        if self.decision_form is not None and self.decision_form.is_bound:
            # An error about the whole decision ("record every item first") links to the first
            # item still to do, so that the summary leads somewhere useful.
            to_do = self._first_unrecorded_item()
            entries.extend(
                (anchor or to_do, message) for anchor, message in self.decision_form.error_summary()
            )
        return entries

    def _first_unrecorded_item(self) -> str:
        if not self.screenable:
            return ""
        return next(
            (form.anchor("outcome") for form in self.item_forms if form.line.outcome is None), ""
        )

    def render(self, request: HttpRequest) -> HttpResponse:
        bid = self.bid
        return render(
            request,
            TEMPLATE,
            {
                "bid": bid,
                "fund": bid.fund,
                "screening": self.screening,
                "screenable": self.screenable,
                "item_forms": self.item_forms,
                "decision_form": self.decision_form or ScreeningDecisionForm(),
                "summary": self.summary(),
                "next_bid": self.next_bid,
                "bid_url": _url_or_none("bid_detail", bid.pk),
                "attachments": [
                    (attachment, _url_or_none("bid_attachment", bid.pk, attachment.pk))
                    for attachment in bid.attachments.all()
                ],
            },
        )


def _page(request: HttpRequest, bid_id: int, data: Any = None) -> _BidScreeningPage:
    """The bid for one of its fund's officers: anyone who may not see the bid gets a 404, an
    officer without MFA the reason, and others who may see the fund (its panel, auditors) a 403
    from the screening queue's own check."""
    actor = actor_from_request(request)
    bid = bid_get(actor=actor, bid_id=bid_id)
    fund = fund_get(actor=actor, fund_id=bid.fund_id)
    queue = screening_queue(actor=actor, fund=fund)
    screening = screening_for_bid(actor=actor, bid=bid)
    page = _BidScreeningPage(
        actor=actor,
        bid=bid,
        screening=screening,
        next_bid=queue.exclude(pk=bid.pk).first(),
    )
    page.item_forms = [
        ScreeningItemForm(data, line=line, number=number)
        for number, line in enumerate(screening.lines, start=1)
    ]
    return page


@login_required
@renders_domain_errors
@require_http_methods(["GET", "POST"])
def bid_screening(request: HttpRequest, bid_id: int) -> HttpResponse:
    """The bid, its checklist with an outcome and reason for each item, and the decision."""
    if request.method != "POST":
        return _page(request, bid_id).render(request)
    page = _page(request, bid_id, request.POST)
    forms = page.item_forms
    valid = [form.is_valid() for form in forms]  # every form, so that all errors show at once
    if all(valid):
        to_save = [form for form in forms if not form.is_blank()]
        if not to_save and forms:
            page.page_errors.append(
                (
                    forms[0].anchor("outcome"),
                    _("Choose an outcome and give a reason for at least one item."),
                )
            )
        else:
            recorded = _record_items(page, [form for form in to_save if form.differs_from_record()])
            if recorded is not None:
                if recorded:
                    messages.success(
                        request,
                        ngettext(
                            "%(count)s checklist item recorded.",
                            "%(count)s checklist items recorded.",
                            recorded,
                        )
                        % {"count": recorded},
                    )
                else:
                    messages.info(request, _("Nothing changed: the checklist is as it was."))
                return redirect("bid_screening", bid_id=page.bid.pk)
    return page.render(request)


def _record_items(page: _BidScreeningPage, forms: list[ScreeningItemForm]) -> int | None:
    """Record each changed item; how many, or None if any was refused (its error is shown next
    to it, and whatever else was typed stays on the page)."""
    recorded, refused = 0, False
    for form in forms:
        item = checklist_item_for_fund(fund_id=page.bid.fund_id, item_id=form.line.item_id)
        try:
            screening_record_item(
                actor=page.actor,
                bid=page.bid,
                item=item,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            if error.status_code != 400:
                raise
            refused = True
            if error.fields:
                apply_application_error(form, error)
            else:
                # About the bid, not this item (say, the fund has left screening): said once.
                page.page_errors.append(("", error.message))
                break
        else:
            recorded += 1
    return None if refused else recorded


@login_required
@renders_domain_errors
@require_POST
def bid_screening_decision(request: HttpRequest, bid_id: int) -> HttpResponse:
    """Decide the bid eligible or ineligible; the service tells the applicant."""
    page = _page(request, bid_id)
    form = page.decision_form = ScreeningDecisionForm(request.POST)
    if form.is_valid():
        try:
            bid = screening_decide(
                actor=page.actor,
                bid=page.bid,
                eligible=form.eligible,
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            if error.code == "failed_items":
                # Its field map lists the failed items: the message says it best, by the radios.
                form.add_error("decision", error.message)
            else:
                apply_application_error(form, error)
        else:
            if form.eligible:
                done = _("“%(title)s” is eligible. The applicant has been told.")
            else:
                done = _("“%(title)s” is ineligible. The applicant has been told.")
            messages.success(request, done % {"title": bid.title})
            return redirect("bid_screening", bid_id=bid.pk)
    return page.render(request)
