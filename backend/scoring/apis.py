"""The panel scoring API: conflicts of interest, score sheets, settings, moderation, the
aggregate, progress, the scoring matrix and the shortlist.

One class per operation, each with its own input and output serializers; each parses the
request, calls the service or selector that decides, and renders what it returns. Who may see
what is the selectors' business (a conflicted member gets a 404 on the bid); who may change it,
the services'. Exact scores (fractions) are shown as decimal text with two places, never floats.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.api.permissions import request_actor
from backend.api.schema import errors
from backend.bids import selectors as bids_selectors
from backend.bids.models import Bid
from backend.core.errors import ApplicationError, NotFound
from backend.funds import selectors as funds_selectors
from backend.funds.models import Fund

from . import selectors, services
from .aggregate import Aggregation, Fallback, score_text
from .models import (
    Relationship,
    ScoreSheet,
    SheetStatus,
    Shortlist,
    ShortlistRule,
)
from .shortlist import Reason

_MAX_ID = 2**63 - 1

# The names of BidAggregate.flags, in its order.
SCORE_FLAGS = [
    ("disagreement", "The range of the scorers' totals exceeds the fund's threshold"),
    ("too_few_scorers", "Fewer scorers than the fund's minimum"),
    ("moderated", "The chair recorded a moderated score"),
    ("uses_fallback", "A scorer could not be calibrated: their raw totals stand"),
]


# Why a scorer's raw totals stand in for calibrated ones, and why a bid is in or out of the
# shortlist (named in ENUM_NAME_OVERRIDES).
FALLBACK_CHOICES = [(item.value, item.value) for item in Fallback]
SHORTLIST_REASON_CHOICES = [(item.value, item.value) for item in Reason]


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^-?\d+\.\d{2}$",
        "example": "72.50",
        "description": "An exact score rounded half away from zero to two decimal places.",
    }
)
class ScoreTextField(serializers.Field[Fraction, str, str, Any]):
    """An exact fraction, shown as decimal text with two places ("72.50"); read only."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Fraction) -> str:
        return score_text(value)


def _fund(request: Request, fund_id: int) -> Fund:
    return funds_selectors.fund_get(actor=request_actor(request), fund_id=fund_id)


# --- conflicts of interest ----------------------------------------------------------------------


class ConflictDeclarationOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    bid = serializers.IntegerField(source="bid_id")
    member = serializers.IntegerField(source="member_id")
    conflicted = serializers.BooleanField()
    relationship = serializers.ChoiceField(
        choices=Relationship.choices, allow_blank=True, help_text="Blank for no conflict."
    )
    description = serializers.CharField()
    declared_at = serializers.DateTimeField()
    after_scoring = serializers.BooleanField(
        help_text="Declared once the member had a sheet for the bid: the sheet is void "
        "(unless the shortlist was already confirmed)."
    )
    after_shortlist = serializers.BooleanField(
        help_text="Declared after the shortlist was confirmed: the result stands and the "
        "council's officers review it."
    )
    reviewed_at = serializers.DateTimeField(allow_null=True)
    review_note = serializers.CharField()


class ConflictRowOutput(serializers.Serializer[Any]):
    bid = serializers.IntegerField(source="bid_id")
    title = serializers.CharField()
    organisation = serializers.CharField()
    partners = serializers.CharField()
    named_staff = serializers.CharField()
    declaration = ConflictDeclarationOutput(
        allow_null=True, help_text="What the member declared; null: nothing yet."
    )


class ConflictMineApi(APIView):
    @extend_schema(
        operation_id="conflicts_mine",
        tags=["scoring"],
        description="For a member (or chair) of the fund's panel: each eligible bid's "
        "organisation, partners and named staff, without its content, with what they "
        "declared. Bids open to them only once they have declared on every one.",
        responses={200: ConflictRowOutput(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, fund_id: int) -> Response:
        fund = _fund(request, fund_id)
        rows = selectors.declarations_for_member(actor=request_actor(request), fund=fund)
        return Response(ConflictRowOutput(rows, many=True).data)


class ConflictDeclareInput(serializers.Serializer[Any]):
    conflicted = serializers.BooleanField()
    relationship = serializers.ChoiceField(
        choices=Relationship.choices,
        required=False,
        allow_blank=True,
        help_text="Required for a conflict; ignored otherwise.",
    )
    description = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text="For a conflict."
    )


def _declarable_bid(request: Request, bid_id: int) -> Bid:
    """The bid, once the selector has shown the caller may declare on it (404 otherwise)."""
    row = selectors.declaration_row(actor=request_actor(request), bid_id=bid_id)
    return Bid.objects.get(pk=row.bid_id)


class ConflictDeclareApi(APIView):
    @extend_schema(
        operation_id="conflict_declare",
        tags=["scoring"],
        description="A panel member declares no conflict, or a conflict (with the "
        "relationship), on an eligible bid. A conflict declared after scoring voids the "
        "member's sheet; after the shortlist is confirmed it is flagged to the officers "
        "instead. A declared conflict cannot be taken back.",
        request=ConflictDeclareInput,
        responses={200: ConflictRowOutput, **errors(400, 403, 404)},
    )
    def put(self, request: Request, bid_id: int) -> Response:
        actor = request_actor(request)
        bid = _declarable_bid(request, bid_id)
        serializer = ConflictDeclareInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.conflict_declare(
            actor=actor,
            bid=bid,
            conflicted=data["conflicted"],
            relationship=data.get("relationship", ""),
            description=data.get("description", ""),
        )
        row = selectors.declaration_row(actor=actor, bid_id=bid_id)
        return Response(ConflictRowOutput(row).data)


class ConflictRegisterRowOutput(serializers.Serializer[Any]):
    bid = serializers.IntegerField(source="bid_id")
    bid_title = serializers.CharField()
    organisation = serializers.CharField()
    member = serializers.IntegerField(source="member_id")
    member_name = serializers.CharField()
    declaration = ConflictDeclarationOutput(
        allow_null=True, help_text="Null: the member has not declared on this bid yet."
    )


class ConflictRegisterApi(APIView):
    @extend_schema(
        operation_id="conflicts_register",
        tags=["scoring"],
        description="The conflicts register, for the panel chair and the council's officers "
        "and auditors (after MFA): every member and eligible bid, with what was declared.",
        responses={200: ConflictRegisterRowOutput(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, fund_id: int) -> Response:
        fund = _fund(request, fund_id)
        rows = selectors.conflict_register(actor=request_actor(request), fund=fund)
        return Response(ConflictRegisterRowOutput(rows, many=True).data)


class ConflictReviewInput(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=2000, help_text="What was done about the conflict.")


class ConflictReviewApi(APIView):
    @extend_schema(
        operation_id="conflict_review",
        tags=["scoring"],
        description="A council officer records what was done about a conflict declared after "
        "the shortlist was confirmed.",
        request=ConflictReviewInput,
        responses={200: ConflictDeclarationOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, declaration_id: int) -> Response:
        actor = request_actor(request)
        declaration = selectors.conflict_get(actor=actor, declaration_id=declaration_id)
        serializer = ConflictReviewInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.conflict_review(
            actor=actor, declaration=declaration, note=serializer.validated_data["note"]
        )
        declaration = selectors.conflict_get(actor=actor, declaration_id=declaration_id)
        return Response(ConflictDeclarationOutput(declaration).data)


# --- settings -----------------------------------------------------------------------------------


class ScoringSettingsOutput(serializers.Serializer[Any]):
    fund = serializers.IntegerField(source="fund_id")
    calibrate = serializers.BooleanField(
        help_text="Standardise each scorer over their own submitted sheets."
    )
    disagreement_threshold = serializers.IntegerField(
        help_text="Points out of 100: a bid whose scorers' totals range wider is flagged."
    )
    min_scorers = serializers.IntegerField(
        help_text="A bid with fewer scorers than this is flagged."
    )
    reminder_hours = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Hours before scoring closes at which members with work left are reminded.",
    )
    updated_at = serializers.DateTimeField(
        allow_null=True, help_text="Null while the defaults apply."
    )


class ScoringSettingsDetailApi(APIView):
    @extend_schema(
        operation_id="scoring_settings_get",
        tags=["scoring"],
        description="How the fund's scores are combined: the chair's settings, or the defaults.",
        responses={200: ScoringSettingsOutput, **errors(403, 404)},
    )
    def get(self, request: Request, fund_id: int) -> Response:
        fund = _fund(request, fund_id)
        return Response(ScoringSettingsOutput(selectors.settings_for(fund)).data)


class ScoringSettingsInput(serializers.Serializer[Any]):
    calibrate = serializers.BooleanField()
    disagreement_threshold = serializers.IntegerField(min_value=1, max_value=100)
    min_scorers = serializers.IntegerField(min_value=1, max_value=50)
    reminder_hours = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=24 * 28),
        max_length=5,
        allow_empty=True,
        help_text="At most five, each 1 to 672 hours before scoring closes.",
    )


class ScoringSettingsSetApi(APIView):
    @extend_schema(
        operation_id="scoring_settings_set",
        tags=["scoring"],
        description="The panel chair (after MFA) sets how scores are combined, until the "
        "shortlist is confirmed.",
        request=ScoringSettingsInput,
        responses={200: ScoringSettingsOutput, **errors(400, 403, 404)},
    )
    def put(self, request: Request, fund_id: int) -> Response:
        fund = _fund(request, fund_id)
        serializer = ScoringSettingsInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = services.scoring_settings_set(
            actor=request_actor(request), fund=fund, **serializer.validated_data
        )
        return Response(ScoringSettingsOutput(saved).data)


# --- a member's scoring page and sheet ----------------------------------------------------------


class ScoringLevelOutput(serializers.Serializer[Any]):
    score = serializers.IntegerField()
    description = serializers.CharField()


class ScoringCriterionOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    weight = serializers.IntegerField()
    levels = serializers.SerializerMethodField()
    value = serializers.IntegerField(allow_null=True, help_text="The member's score, if any.")
    comment = serializers.CharField(help_text="The member's comment.")

    @extend_schema_field(ScoringLevelOutput(many=True))
    def get_levels(self, criterion: selectors.CriterionView) -> list[dict[str, Any]]:
        return [{"score": score, "description": text} for score, text in criterion.levels]


class ScoreSheetOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    bid = serializers.IntegerField(source="bid_id")
    member = serializers.IntegerField(source="member_id")
    status = serializers.ChoiceField(choices=SheetStatus.choices)
    submitted_at = serializers.DateTimeField(allow_null=True)
    reopened_at = serializers.DateTimeField(allow_null=True)
    reopen_reason = serializers.CharField()


class OtherScoreOutput(serializers.Serializer[Any]):
    criterion = serializers.CharField()
    value = serializers.IntegerField()
    comment = serializers.CharField()


class OtherSheetOutput(serializers.Serializer[Any]):
    scorer = serializers.CharField(
        source="label", help_text='"Scorer 1", "Scorer 2"...: a number, never a name.'
    )
    total = serializers.CharField(help_text="The weighted total on 0-100, two decimals.")
    scores = serializers.SerializerMethodField()

    @extend_schema_field(OtherScoreOutput(many=True))
    def get_scores(self, other: selectors.OtherSheet) -> list[dict[str, Any]]:
        return [
            {"criterion": name, "value": value, "comment": comment}
            for name, value, comment in other.scores
        ]


class ScoringPageOutput(serializers.Serializer[Any]):
    bid = serializers.IntegerField(source="bid.pk")
    fund = serializers.IntegerField(source="fund.pk")
    title = serializers.CharField(source="bid.title")
    organisation_name = serializers.CharField(source="bid.organisation.name")
    scale_max = serializers.IntegerField(
        source="fund.scale_max", help_text="Scores run from 0 to this."
    )
    criteria = ScoringCriterionOutput(many=True)
    sheet = ScoreSheetOutput(allow_null=True, help_text="Null until the member saves a score.")
    cost_per_beneficiary_pence = serializers.IntegerField(allow_null=True)
    median_cost_per_beneficiary_pence = serializers.IntegerField(
        allow_null=True, help_text="The median over the fund's eligible bids (whole pence)."
    )
    evidence_level = serializers.IntegerField(allow_null=True)
    median_evidence_level = serializers.DecimalField(
        max_digits=3,
        decimal_places=1,
        allow_null=True,
        help_text="The median over the fund's eligible bids.",
    )
    others_visible = serializers.BooleanField(
        help_text="Others' scores are shown only once the member has submitted their own."
    )
    others = OtherSheetOutput(many=True)


def _scoring_page(request: Request, bid_id: int, code: int = status.HTTP_200_OK) -> Response:
    page = selectors.scoring_page(actor=request_actor(request), bid_id=bid_id)
    return Response(ScoringPageOutput(page).data, status=code)


class ScoringPageApi(APIView):
    @extend_schema(
        operation_id="scoring_page",
        tags=["scoring"],
        description="A panel member's page for one bid: each rubric criterion with its level "
        "descriptions and the member's score and comment, the bid's cost per beneficiary and "
        "evidence level beside the fund's medians and, once the member has submitted, the "
        "others' scores without names. A 404 for a conflicted member, or one who has not "
        "declared on every eligible bid.",
        responses={200: ScoringPageOutput, **errors(403, 404)},
    )
    def get(self, request: Request, bid_id: int) -> Response:
        return _scoring_page(request, bid_id)


class SheetScoreInput(serializers.Serializer[Any]):
    criterion = serializers.IntegerField(min_value=1, max_value=_MAX_ID)
    value = serializers.IntegerField(
        min_value=0,
        max_value=100,
        allow_null=True,
        help_text="0 to the fund's top score; null clears it.",
    )
    comment = serializers.CharField(
        max_length=4000,
        required=False,
        allow_blank=True,
        help_text="Required to submit a score of 0 or the top of the scale.",
    )


class SheetSaveInput(serializers.Serializer[Any]):
    scores = SheetScoreInput(
        many=True, help_text="The criteria to save; those left out stay as they are."
    )


class SheetSaveApi(APIView):
    @extend_schema(
        operation_id="sheet_save",
        tags=["scoring"],
        description="Save the member's draft scores for a bid; incomplete is fine. A 400 names "
        'each criterion that needs a change ("criterion_<id>").',
        request=SheetSaveInput,
        responses={200: ScoringPageOutput, **errors(400, 403, 404)},
    )
    def put(self, request: Request, bid_id: int) -> Response:
        actor = request_actor(request)
        bid = bids_selectors.bid_get(actor=actor, bid_id=bid_id)
        serializer = SheetSaveInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        scores: dict[int, services.ScoreInput] = {}
        for answer in serializer.validated_data["scores"]:
            criterion_id = answer["criterion"]
            if criterion_id in scores:
                message = _("Each criterion may appear once.")
                raise ApplicationError(message, fields={f"criterion_{criterion_id}": [message]})
            scores[criterion_id] = services.ScoreInput(answer["value"], answer.get("comment", ""))
        services.sheet_save(actor=actor, bid=bid, scores=scores)
        return _scoring_page(request, bid_id)


class SheetSubmitApi(APIView):
    @extend_schema(
        operation_id="sheet_submit",
        tags=["scoring"],
        description="Submit (and lock) the member's sheet: every criterion scored, the extreme "
        "scores explained in a comment. A 400 names each criterion that needs attention.",
        request=None,
        responses={200: ScoringPageOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, bid_id: int) -> Response:
        actor = request_actor(request)
        bid = bids_selectors.bid_get(actor=actor, bid_id=bid_id)
        services.sheet_submit(actor=actor, bid=bid)
        return _scoring_page(request, bid_id)


class SheetReopenInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000, help_text="The member is told it.")


class SheetReopenApi(APIView):
    @extend_schema(
        operation_id="sheet_reopen",
        tags=["scoring"],
        description="The panel chair (after MFA, with no conflict on the bid) reopens a "
        "member's submitted sheet with a reason; the member is told through the outbox.",
        request=SheetReopenInput,
        responses={200: ScoreSheetOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, sheet_id: int) -> Response:
        actor = request_actor(request)
        sheet = selectors.sheet_get(actor=actor, sheet_id=sheet_id)
        serializer = SheetReopenInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        reopened = services.sheet_reopen(
            actor=actor, sheet=sheet, reason=serializer.validated_data["reason"]
        )
        return Response(ScoreSheetOutput(reopened).data)


# --- moderation ---------------------------------------------------------------------------------


class ModerationInput(serializers.Serializer[Any]):
    score = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        help_text='The moderated score on 0-100, as decimal text with at most two places ("72.50").',
    )
    reason = serializers.CharField(max_length=2000)


class ModerationOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    bid = serializers.IntegerField(source="bid_id")
    score = serializers.DecimalField(max_digits=5, decimal_places=2)
    reason = serializers.CharField()
    moderated_by = serializers.IntegerField(source="moderated_by_id")
    moderated_at = serializers.DateTimeField()


class ModerationRecordApi(APIView):
    @extend_schema(
        operation_id="moderation_record",
        tags=["scoring"],
        description="The panel chair records a moderated score for a bid, with a reason; when "
        "a chair is conflicted on the bid, a council officer or another chair does. The latest "
        "moderation is the bid's score.",
        request=ModerationInput,
        responses={201: ModerationOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, bid_id: int) -> Response:
        actor = request_actor(request)
        bid = bids_selectors.bid_get(actor=actor, bid_id=bid_id)
        serializer = ModerationInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        moderation = services.moderation_record(
            actor=actor, bid=bid, score=data["score"], reason=data["reason"]
        )
        return Response(ModerationOutput(moderation).data, status=status.HTTP_201_CREATED)


# --- the aggregate, progress and the export ----------------------------------------------------


class BidScoreSheetOutput(serializers.Serializer[Any]):
    scorer = serializers.IntegerField(source="scorer_id")
    sheet = serializers.IntegerField(allow_null=True, help_text="The sheet, to reopen it.")
    raw = ScoreTextField(help_text="The sheet's weighted total on 0-100.")
    z = ScoreTextField(allow_null=True, help_text="The standard score, when calibrated.")
    calibrated = ScoreTextField(allow_null=True, help_text="Null when not calibrating.")
    fallback = serializers.ChoiceField(
        choices=FALLBACK_CHOICES,
        allow_null=True,
        help_text="Why this scorer's raw totals stand in for calibrated ones.",
    )


class BidScoreOutput(serializers.Serializer[Any]):
    bid = serializers.IntegerField(source="bid_id")
    title = serializers.CharField()
    raw = ScoreTextField(source="raw_mean", allow_null=True)
    calibrated = ScoreTextField(source="calibrated_mean", allow_null=True)
    moderated = ScoreTextField(source="moderated_score", allow_null=True)
    moderation_reason = serializers.CharField(allow_null=True)
    score = ScoreTextField(
        allow_null=True,
        help_text="The score used: moderated, else calibrated when calibrating, else raw.",
    )
    range = ScoreTextField(allow_null=True, help_text="Highest minus lowest raw total.")
    flags = serializers.ListField(child=serializers.ChoiceField(choices=SCORE_FLAGS))
    scorer_count = serializers.IntegerField()
    conflicted_scorers = serializers.ListField(
        child=serializers.IntegerField(),
        source="conflicted_scorer_ids",
        help_text="Scorers whose sheet on this bid was left out for a conflict.",
    )
    sheets = BidScoreSheetOutput(many=True)


class ScorerStatsOutput(serializers.Serializer[Any]):
    scorer = serializers.IntegerField(source="scorer_id")
    sheet_count = serializers.IntegerField()
    mean = ScoreTextField()
    sd = ScoreTextField(help_text="Population standard deviation of their totals.")
    fallback = serializers.ChoiceField(choices=FALLBACK_CHOICES, allow_null=True)


class FundScoresOutput(serializers.Serializer[Any]):
    calibrated = serializers.BooleanField()
    panel_mean = ScoreTextField(allow_null=True)
    panel_sd = ScoreTextField(allow_null=True)
    panel_sd_zero = serializers.BooleanField()
    bids = BidScoreOutput(many=True)
    scorers = ScorerStatsOutput(many=True)


def _scores_data(fund: Fund, aggregation: Aggregation) -> dict[str, Any]:
    """The aggregation with each bid's title and each included sheet's id beside it."""
    titles = dict(selectors.eligible_bids(fund).values_list("pk", "title"))
    sheet_ids = {
        (bid_id, member_id): pk
        for bid_id, member_id, pk in ScoreSheet.objects.filter(
            bid__fund=fund, status=SheetStatus.SUBMITTED
        ).values_list("bid_id", "member_id", "pk")
    }
    return {
        "calibrated": aggregation.calibrated,
        "panel_mean": aggregation.panel_mean,
        "panel_sd": aggregation.panel_sd,
        "panel_sd_zero": aggregation.panel_sd_zero,
        "bids": [
            {
                "bid_id": result.bid_id,
                "title": titles.get(result.bid_id, ""),
                "raw_mean": result.raw_mean,
                "calibrated_mean": result.calibrated_mean,
                "moderated_score": result.moderated_score,
                "moderation_reason": result.moderation_reason,
                "score": result.score,
                "range": result.range,
                "flags": list(result.flags),
                "scorer_count": result.scorer_count,
                "conflicted_scorer_ids": list(result.conflicted_scorer_ids),
                "sheets": [
                    {
                        "scorer_id": sheet.scorer_id,
                        "sheet": sheet_ids.get((result.bid_id, sheet.scorer_id)),
                        "raw": sheet.raw,
                        "z": sheet.z,
                        "calibrated": sheet.calibrated,
                        "fallback": sheet.fallback,
                    }
                    for sheet in result.sheets
                ],
            }
            for result in aggregation.bids
        ],
        "scorers": aggregation.scorers,
    }


class FundScoresApi(APIView):
    @extend_schema(
        operation_id="fund_scores",
        tags=["scoring"],
        description="Each eligible bid's panel score from the submitted sheets (conflicted "
        "scorers left out), raw, calibrated and moderated, with its range and flags, and each "
        "scorer's statistics: for the panel chair and the council's officers and auditors "
        "(after MFA). Scores are exact values rounded to two decimals, as text.",
        responses={200: FundScoresOutput, **errors(403, 404)},
    )
    def get(self, request: Request, fund_id: int) -> Response:
        fund = _fund(request, fund_id)
        aggregation = selectors.fund_aggregate(actor=request_actor(request), fund=fund)
        return Response(FundScoresOutput(_scores_data(fund, aggregation)).data)


class MemberProgressOutput(serializers.Serializer[Any]):
    member = serializers.IntegerField(source="member.pk")
    name = serializers.SerializerMethodField()
    declared = serializers.IntegerField(help_text="Bids declared on.")
    conflicts = serializers.IntegerField()
    submitted = serializers.IntegerField()
    drafts = serializers.IntegerField()
    to_score = serializers.IntegerField(help_text="Bids to score whose sheet is not submitted.")

    def get_name(self, row: selectors.MemberProgress) -> str:
        return row.member.full_name or row.member.email


class ShortlistStateOutput(serializers.Serializer[Any]):
    proposed_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    snapshot_sha256 = serializers.CharField()


class ScoringProgressOutput(serializers.Serializer[Any]):
    bids = serializers.IntegerField(help_text="Eligible bids.")
    members = MemberProgressOutput(many=True)
    shortlist = ShortlistStateOutput(allow_null=True)
    settings = ScoringSettingsOutput()


class ScoringProgressApi(APIView):
    @extend_schema(
        operation_id="scoring_progress",
        tags=["scoring"],
        description="Who has declared and scored what, for the panel chair and the council's "
        "officers and auditors (after MFA).",
        responses={200: ScoringProgressOutput, **errors(403, 404)},
    )
    def get(self, request: Request, fund_id: int) -> Response:
        fund = _fund(request, fund_id)
        progress = selectors.scoring_progress(actor=request_actor(request), fund=fund)
        return Response(ScoringProgressOutput(progress).data)


class ScoringMatrixApi(APIView):
    @extend_schema(
        operation_id="scoring_matrix_csv",
        tags=["scoring"],
        description="The scoring matrix as CSV, for auditors: one row per bid, member and "
        "criterion, conflicts marked, with comments. Cells a spreadsheet would read as a "
        "formula are prefixed with an apostrophe. For the panel chair and the council's "
        "officers and auditors (after MFA).",
        responses={
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.STR, description="The CSV file, as an attachment."
            ),
            **errors(403, 404),
        },
    )
    def get(self, request: Request, fund_id: int) -> HttpResponse:
        fund = _fund(request, fund_id)
        text = selectors.scoring_matrix_csv(actor=request_actor(request), fund=fund)
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        disposition = content_disposition_header(
            as_attachment=True, filename=f"fund-{fund.pk}-scoring-matrix.csv"
        )
        response["Content-Disposition"] = disposition or "attachment"
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


# --- the shortlist ------------------------------------------------------------------------------


class ShortlistEntryOutput(serializers.Serializer[Any]):
    bid = serializers.IntegerField(source="bid_id")
    title = serializers.CharField(source="bid.title")
    organisation_name = serializers.CharField(source="bid.organisation.name")
    rank = serializers.IntegerField()
    shortlisted = serializers.BooleanField()
    reason = serializers.ChoiceField(choices=SHORTLIST_REASON_CHOICES)
    cost_pence = serializers.IntegerField()
    pot = serializers.IntegerField(source="pot_id", allow_null=True)
    exclusive_group = serializers.CharField()
    panel_score = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text="Null for an unscored bid."
    )
    feedback = serializers.CharField(help_text="Anonymised feedback to the applicant.")


class ShortlistOutput(serializers.Serializer[Any]):
    fund = serializers.IntegerField(source="fund_id")
    rule = serializers.ChoiceField(choices=ShortlistRule.choices)
    parameter = serializers.CharField(help_text="N, the threshold or the multiple, as text.")
    proposed_at = serializers.DateTimeField()
    proposed_by = serializers.IntegerField(source="proposed_by_id")
    confirmed_at = serializers.DateTimeField(allow_null=True)
    confirmed_by = serializers.IntegerField(source="confirmed_by_id", allow_null=True)
    snapshot_sha256 = serializers.CharField(
        help_text="sha256 of the frozen shortlist, as recorded in the audit chain; blank "
        "until confirmed."
    )
    entries = ShortlistEntryOutput(many=True)


def _shortlist_response(shortlist: Shortlist) -> Response:
    prefetch_related_objects([shortlist], "entries__bid__organisation")
    return Response(ShortlistOutput(shortlist).data)


def _shortlist(request: Request, fund_id: int) -> Response:
    fund = _fund(request, fund_id)
    shortlist = selectors.shortlist_for_fund(actor=request_actor(request), fund=fund)
    if shortlist is None:
        raise NotFound(_("No shortlist yet."))
    return _shortlist_response(shortlist)


class ShortlistDetailApi(APIView):
    @extend_schema(
        operation_id="shortlist_get",
        tags=["scoring"],
        description="The fund's shortlist, proposed or confirmed, for the panel chair and the "
        "council's officers and auditors (after MFA); the panel's members see it once "
        "confirmed. A 404 when there is none (yet).",
        responses={200: ShortlistOutput, **errors(403, 404)},
    )
    def get(self, request: Request, fund_id: int) -> Response:
        return _shortlist(request, fund_id)


class ShortlistProposeInput(serializers.Serializer[Any]):
    rule = serializers.ChoiceField(choices=ShortlistRule.choices)
    parameter = serializers.CharField(
        max_length=20,
        help_text='N for top_n ("5"), the minimum score for min_score ("60"), the multiple of '
        'the budget for budget_multiple ("2.5").',
    )


class ShortlistProposeApi(APIView):
    @extend_schema(
        operation_id="shortlist_propose",
        tags=["scoring"],
        description="The panel chair applies a rule to the panel's scores; the proposal "
        "replaces any earlier one, keeping the feedback and exclusive groups written.",
        request=ShortlistProposeInput,
        responses={200: ShortlistOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, fund_id: int) -> Response:
        fund = _fund(request, fund_id)
        serializer = ShortlistProposeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        shortlist = services.shortlist_propose(
            actor=request_actor(request), fund=fund, **serializer.validated_data
        )
        return _shortlist_response(shortlist)


class ShortlistEntryInput(serializers.Serializer[Any]):
    feedback = serializers.CharField(
        max_length=4000, allow_blank=True, help_text="Anonymised feedback to the applicant."
    )
    exclusive_group = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="Bids sharing a group exclude one another: at most one can be funded.",
    )


class ShortlistEntrySetApi(APIView):
    @extend_schema(
        operation_id="shortlist_entry_set",
        tags=["scoring"],
        description="Before confirming, the panel chair writes a bid's anonymised feedback "
        "and its exclusive group.",
        request=ShortlistEntryInput,
        responses={200: ShortlistEntryOutput, **errors(400, 403, 404)},
    )
    def put(self, request: Request, fund_id: int, bid_id: int) -> Response:
        fund = _fund(request, fund_id)
        serializer = ShortlistEntryInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.shortlist_entry_set(
            actor=request_actor(request), fund=fund, bid_id=bid_id, **serializer.validated_data
        )
        return Response(ShortlistEntryOutput(entry).data)


class ShortlistConfirmApi(APIView):
    @extend_schema(
        operation_id="shortlist_confirm",
        tags=["scoring"],
        description="The panel chair confirms the proposal: it is frozen, its sha256 goes into "
        "the audit chain, and every eligible bid's applicants are told whether it is "
        "shortlisted, with its feedback.",
        request=None,
        responses={200: ShortlistOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, fund_id: int) -> Response:
        fund = _fund(request, fund_id)
        shortlist = services.shortlist_confirm(actor=request_actor(request), fund=fund)
        return _shortlist_response(shortlist)
