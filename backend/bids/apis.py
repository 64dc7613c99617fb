"""The bids API: drafts, budget lines, attachments, submission and withdrawal.

One class per operation, each with its own input and output serializers; each parses the
request, calls the service or selector that decides, and renders what it returns. Who may see
a bid is the selectors' business (rival applicants get a 404); who may change it, the services'.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts import selectors as accounts_selectors
from backend.api.permissions import request_actor
from backend.api.schema import errors
from backend.core.errors import ApplicationError, NotFound
from backend.funds import selectors as funds_selectors

from . import selectors, services
from .declarations import DECLARATIONS
from .models import (
    MAX_ATTACHMENT_BYTES,
    Attachment,
    AttachmentType,
    EvidenceLevel,
    ScreeningOutcome,
    Status,
)

_MAX_ID = 2**63 - 1
_MAX_PENCE = 2**63 - 1

# --- outputs -----------------------------------------------------------------------------------


class BidBudgetLineOutput(serializers.Serializer[Any]):
    description = serializers.CharField()
    amount_pence = serializers.IntegerField()


class BidAttachmentOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    bid = serializers.IntegerField(source="bid_id")
    name = serializers.CharField(source="original_name")
    content_type = serializers.ChoiceField(choices=AttachmentType.choices)
    size = serializers.IntegerField(help_text="In bytes.")
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class BidOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    fund = serializers.IntegerField(source="fund_id")
    organisation = serializers.IntegerField(source="organisation_id")
    organisation_name = serializers.CharField(source="organisation.name")
    pot = serializers.IntegerField(source="pot_id", allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices)
    title = serializers.CharField()
    summary = serializers.CharField()
    need = serializers.CharField()
    population_served = serializers.CharField()
    outcomes = serializers.CharField()
    evidence_level = serializers.ChoiceField(
        choices=EvidenceLevel.choices,
        allow_null=True,
        help_text="Nesta's Standards of Evidence, 1 to 5.",
    )
    evidence_sources = serializers.CharField()
    delivery_plan = serializers.CharField()
    beneficiaries = serializers.IntegerField(allow_null=True)
    partners = serializers.CharField()
    named_staff = serializers.CharField()
    budget_lines = BidBudgetLineOutput(many=True)
    amount_requested_pence = serializers.IntegerField(
        help_text="The sum of the budget lines, in pence."
    )
    cost_per_beneficiary_pence = serializers.IntegerField(
        allow_null=True,
        help_text="Amount requested / beneficiaries, in whole pence (rounded half up); "
        "null without both.",
    )
    attachments = BidAttachmentOutput(many=True)
    declarations = serializers.ListField(
        child=serializers.ChoiceField(choices=DECLARATIONS),
        help_text="The declarations accepted; all of them are needed to submit.",
    )
    declared_at = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    submitted_snapshot_sha256 = serializers.CharField(
        help_text="sha256 of the submitted version, as recorded in the audit chain; or blank."
    )
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def _bid_response(request: Request, bid_id: int, code: int = status.HTTP_200_OK) -> Response:
    """The bid as the caller may now see it (fresh from the selector, with its lines)."""
    bid = selectors.bid_get(actor=request_actor(request), bid_id=bid_id)
    return Response(BidOutput(bid).data, status=code)


# --- bids --------------------------------------------------------------------------------------


class BidListApi(APIView):
    @extend_schema(
        operation_id="bids_list",
        tags=["bids"],
        description="Every bid the caller may see: their organisations' bids; the bids to "
        "funds of their council (officers and auditors, after MFA); and, once bids have "
        "closed, the submitted bids to their panel's funds.",
        responses={200: BidOutput(many=True), **errors()},
    )
    def get(self, request: Request) -> Response:
        bids = selectors.bids_for_actor(actor=request_actor(request))
        return Response(BidOutput(bids, many=True).data)


class BidCreateInput(serializers.Serializer[Any]):
    fund = serializers.IntegerField(
        min_value=1, max_value=_MAX_ID, help_text="A fund open for bids."
    )
    organisation = serializers.IntegerField(
        min_value=1, max_value=_MAX_ID, help_text="An organisation the caller belongs to."
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    pot = serializers.IntegerField(
        min_value=1,
        max_value=_MAX_ID,
        required=False,
        allow_null=True,
        help_text="One of the fund's pots, if it has any.",
    )


class BidCreateApi(APIView):
    @extend_schema(
        operation_id="bid_create",
        tags=["bids"],
        description="A member of an organisation starts a draft bid to a fund open for bids.",
        request=BidCreateInput,
        responses={201: BidOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request) -> Response:
        actor = request_actor(request)
        serializer = BidCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organisation = accounts_selectors.organisation_get_for_member(
            actor=actor, organisation_id=data["organisation"]
        )
        fund = funds_selectors.funds_open_for_bids().filter(pk=data["fund"]).first()
        if fund is None:
            message = _("Choose a fund that is taking bids.")
            raise ApplicationError(message, fields={"fund": [message]})
        bid = services.bid_create(
            actor=actor,
            fund=fund,
            organisation=organisation,
            title=data.get("title", ""),
            pot_id=data.get("pot"),
        )
        return _bid_response(request, bid.pk, status.HTTP_201_CREATED)


class BidDetailApi(APIView):
    @extend_schema(
        operation_id="bid_get",
        tags=["bids"],
        description="A bid, with its budget lines, amount requested and cost per beneficiary "
        "(integer pence) and its attachments.",
        responses={200: BidOutput, **errors(403, 404)},
    )
    def get(self, request: Request, bid_id: int) -> Response:
        return _bid_response(request, bid_id)


class BidUpdateInput(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    summary = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    need = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    population_served = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False
    )
    outcomes = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    evidence_level = serializers.IntegerField(
        min_value=1, max_value=5, required=False, help_text="Nesta's Standards of Evidence, 1 to 5."
    )
    evidence_sources = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False
    )
    delivery_plan = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    beneficiaries = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    partners = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    named_staff = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    pot = serializers.IntegerField(min_value=1, max_value=_MAX_ID, required=False)


class BidUpdateApi(APIView):
    @extend_schema(
        operation_id="bid_update",
        tags=["bids"],
        description="Save a draft: fields left out stay as they are; incomplete is fine.",
        request=BidUpdateInput,
        responses={200: BidOutput, **errors(400, 403, 404)},
    )
    def patch(self, request: Request, bid_id: int) -> Response:
        actor = request_actor(request)
        bid = selectors.bid_get(actor=actor, bid_id=bid_id)
        serializer = BidUpdateInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        pot_id = data.pop("pot", None)
        services.bid_update(actor=actor, bid=bid, pot_id=pot_id, **data)
        return _bid_response(request, bid_id)


class BidBudgetLineInput(serializers.Serializer[Any]):
    description = serializers.CharField(max_length=300)
    amount_pence = serializers.IntegerField(min_value=1, max_value=_MAX_PENCE)


class BidBudgetInput(serializers.Serializer[Any]):
    budget_lines = BidBudgetLineInput(many=True, help_text="Replaces the bid's budget lines.")


class BidBudgetSetApi(APIView):
    @extend_schema(
        operation_id="bid_budget_set",
        tags=["bids"],
        description="Replace a draft's budget lines; their total is the amount requested.",
        request=BidBudgetInput,
        responses={200: BidOutput, **errors(400, 403, 404)},
    )
    def put(self, request: Request, bid_id: int) -> Response:
        actor = request_actor(request)
        bid = selectors.bid_get(actor=actor, bid_id=bid_id)
        serializer = BidBudgetInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        lines = [
            services.BudgetLineInput(
                description=line["description"], amount_pence=line["amount_pence"]
            )
            for line in serializer.validated_data["budget_lines"]
        ]
        services.budget_line_set(actor=actor, bid=bid, lines=lines)
        return _bid_response(request, bid_id)


class BidDeclarationsInput(serializers.Serializer[Any]):
    accepted = serializers.ListField(
        child=serializers.ChoiceField(choices=DECLARATIONS),
        allow_empty=True,
        help_text="Every declaration the applicant accepts; the others are withdrawn.",
    )


class BidDeclarationsSetApi(APIView):
    @extend_schema(
        operation_id="bid_declarations_set",
        tags=["bids"],
        description="Record which declarations the applicant accepts on a draft. Every one of "
        "them must be accepted before the bid can be submitted.",
        request=BidDeclarationsInput,
        responses={200: BidOutput, **errors(400, 403, 404)},
    )
    def put(self, request: Request, bid_id: int) -> Response:
        actor = request_actor(request)
        bid = selectors.bid_get(actor=actor, bid_id=bid_id)
        serializer = BidDeclarationsInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.bid_set_declarations(
            actor=actor, bid=bid, accepted=serializer.validated_data["accepted"]
        )
        return _bid_response(request, bid_id)


class BidSubmitApi(APIView):
    @extend_schema(
        operation_id="bid_submit",
        tags=["bids"],
        description="Submit a complete draft before the deadline. A 400 lists every answer "
        "that needs attention at once, by field.",
        request=None,
        responses={200: BidOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, bid_id: int) -> Response:
        actor = request_actor(request)
        bid = selectors.bid_get(actor=actor, bid_id=bid_id)
        services.bid_submit(actor=actor, bid=bid)
        return _bid_response(request, bid_id)


class BidWithdrawApi(APIView):
    @extend_schema(
        operation_id="bid_withdraw",
        tags=["bids"],
        description="Withdraw a draft or submitted bid while the fund still takes bids.",
        request=None,
        responses={200: BidOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, bid_id: int) -> Response:
        actor = request_actor(request)
        bid = selectors.bid_get(actor=actor, bid_id=bid_id)
        services.bid_withdraw(actor=actor, bid=bid)
        return _bid_response(request, bid_id)


# --- attachments -------------------------------------------------------------------------------


class BidAttachmentListApi(APIView):
    @extend_schema(
        operation_id="bid_attachments_list",
        tags=["bids"],
        responses={200: BidAttachmentOutput(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, bid_id: int) -> Response:
        bid = selectors.bid_get(actor=request_actor(request), bid_id=bid_id)
        return Response(BidAttachmentOutput(bid.attachments.all(), many=True).data)


class BidAttachmentUploadInput(serializers.Serializer[Any]):
    file = serializers.FileField(
        help_text="PDF, DOCX, ODT, PNG or JPEG, at most 10 MB; checked by its content."
    )


class BidAttachmentUploadApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="bid_attachment_upload",
        tags=["bids"],
        description="Attach a file to a draft. Files that are not what their name says, "
        "executables, macro-enabled documents and files over 10 MB are refused (400 on "
        '"file").',
        request={"multipart/form-data": BidAttachmentUploadInput},
        responses={201: BidAttachmentOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, bid_id: int) -> Response:
        actor = request_actor(request)
        bid = selectors.bid_get(actor=actor, bid_id=bid_id)
        serializer = BidAttachmentUploadInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > MAX_ATTACHMENT_BYTES:
            message = _("The file is larger than %(mb)s MB.") % {
                "mb": MAX_ATTACHMENT_BYTES // (1024 * 1024)
            }
            raise ApplicationError(message, fields={"file": [message]}, code="file_refused")
        attachment = services.attachment_add(
            actor=actor, bid=bid, filename=upload.name or "", content=upload.read()
        )
        return Response(BidAttachmentOutput(attachment).data, status=status.HTTP_201_CREATED)


def _attachment_of(request: Request, bid_id: int, attachment_id: int) -> Attachment:
    attachment = selectors.attachment_get(actor=request_actor(request), attachment_id=attachment_id)
    if attachment.bid_id != bid_id:
        raise NotFound("No such attachment.")
    return attachment


class BidAttachmentDownloadApi(APIView):
    @extend_schema(
        operation_id="bid_attachment_download",
        tags=["bids"],
        description="The file's bytes, as an attachment with its detected content type; for "
        "those who may see the bid only.",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The file."
            ),
            **errors(403, 404),
        },
    )
    def get(self, request: Request, bid_id: int, attachment_id: int) -> HttpResponse:
        attachment, content = selectors.attachment_content(
            actor=request_actor(request), attachment_id=attachment_id
        )
        if attachment.bid_id != bid_id:
            raise NotFound("No such attachment.")
        response = HttpResponse(content, content_type=attachment.content_type)
        disposition = content_disposition_header(
            as_attachment=True, filename=attachment.original_name
        )
        response["Content-Disposition"] = disposition or "attachment"
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class BidAttachmentRemoveApi(APIView):
    @extend_schema(
        operation_id="bid_attachment_remove",
        tags=["bids"],
        description="Take a file off a draft.",
        responses={204: None, **errors(400, 403, 404)},
    )
    def delete(self, request: Request, bid_id: int, attachment_id: int) -> Response:
        attachment = _attachment_of(request, bid_id, attachment_id)
        services.attachment_remove(actor=request_actor(request), attachment=attachment)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- screening ---------------------------------------------------------------------------------


class ScreeningQueueBidOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    fund = serializers.IntegerField(source="fund_id")
    organisation = serializers.IntegerField(source="organisation_id")
    organisation_name = serializers.CharField(source="organisation.name")
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    amount_requested_pence = serializers.IntegerField(
        help_text="The sum of the budget lines, in pence."
    )
    submitted_at = serializers.DateTimeField(allow_null=True)
    checks_recorded = serializers.IntegerField(
        help_text="How many checklist items have an outcome so far."
    )


class ScreeningQueueApi(APIView):
    @extend_schema(
        operation_id="screening_queue",
        tags=["screening"],
        description="For the fund's officers (after MFA): submitted bids not yet decided, "
        "oldest first, with how many checklist items have an outcome.",
        responses={200: ScreeningQueueBidOutput(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, fund_id: int) -> Response:
        actor = request_actor(request)
        fund = funds_selectors.fund_get(actor=actor, fund_id=fund_id)
        bids = selectors.screening_queue(actor=actor, fund=fund)
        return Response(ScreeningQueueBidOutput(bids, many=True).data)


class ScreeningLineOutput(serializers.Serializer[Any]):
    item = serializers.IntegerField(source="item_id")
    position = serializers.IntegerField()
    text = serializers.CharField()
    outcome = serializers.ChoiceField(
        choices=ScreeningOutcome.choices,
        allow_null=True,
        help_text="Null when not recorded yet, or not shown to this reader yet.",
    )
    outcome_label = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_null=True)
    checked_at = serializers.DateTimeField(allow_null=True)


class ScreeningOutput(serializers.Serializer[Any]):
    bid = serializers.IntegerField(source="bid_id")
    status = serializers.ChoiceField(choices=Status.choices)
    decided = serializers.BooleanField()
    outcomes_shown = serializers.BooleanField(
        help_text="Officers and auditors always see the outcomes; the applicant once decided."
    )
    decision_reason = serializers.CharField()
    screened_at = serializers.DateTimeField(allow_null=True)
    lines = ScreeningLineOutput(many=True)


def _screening_response(request: Request, bid_id: int) -> Response:
    actor = request_actor(request)
    bid = selectors.bid_get(actor=actor, bid_id=bid_id)
    screening = selectors.screening_for_bid(actor=actor, bid=bid)
    return Response(ScreeningOutput(screening).data)


class ScreeningDetailApi(APIView):
    @extend_schema(
        operation_id="screening_get",
        tags=["screening"],
        description="The fund's eligibility checklist with each item's outcome and reason for "
        "this bid: officers and auditors see them at any time; the applicant once decided.",
        responses={200: ScreeningOutput, **errors(403, 404)},
    )
    def get(self, request: Request, bid_id: int) -> Response:
        return _screening_response(request, bid_id)


class ScreeningItemRecordInput(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=ScreeningOutcome.choices)
    reason = serializers.CharField(max_length=2000)


class ScreeningItemRecordApi(APIView):
    @extend_schema(
        operation_id="screening_item_record",
        tags=["screening"],
        description="An officer records the outcome of one checklist item for a submitted bid, "
        "with a reason; recording it again replaces the earlier outcome.",
        request=ScreeningItemRecordInput,
        responses={200: ScreeningOutput, **errors(400, 403, 404)},
    )
    def put(self, request: Request, bid_id: int, item_id: int) -> Response:
        actor = request_actor(request)
        bid = selectors.bid_get(actor=actor, bid_id=bid_id)
        serializer = ScreeningItemRecordInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        item = funds_selectors.checklist_item_for_fund(fund_id=bid.fund_id, item_id=item_id)
        services.screening_record_item(
            actor=actor, bid=bid, item=item, outcome=data["outcome"], reason=data["reason"]
        )
        return _screening_response(request, bid_id)


class ScreeningDecisionInput(serializers.Serializer[Any]):
    eligible = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ScreeningDecisionApi(APIView):
    @extend_schema(
        operation_id="screening_decide",
        tags=["screening"],
        description="An officer decides a screened bid eligible or ineligible once every "
        "checklist item has an outcome; the applicant is told through the outbox.",
        request=ScreeningDecisionInput,
        responses={200: ScreeningOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, bid_id: int) -> Response:
        actor = request_actor(request)
        bid = selectors.bid_get(actor=actor, bid_id=bid_id)
        serializer = ScreeningDecisionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.screening_decide(
            actor=actor, bid=bid, eligible=data["eligible"], reason=data.get("reason", "")
        )
        return _screening_response(request, bid_id)


# --- public summaries --------------------------------------------------------------------------


PUBLIC_OUTCOME_CHOICES = [("eligible", "Eligible"), ("ineligible", "Ineligible")]


class PublicBidSummaryOutput(serializers.Serializer[Any]):
    bid = serializers.IntegerField(source="bid_id")
    title = serializers.CharField()
    organisation = serializers.CharField()
    summary = serializers.CharField()
    amount_requested_pence = serializers.IntegerField()
    beneficiaries = serializers.IntegerField(allow_null=True)
    outcome = serializers.ChoiceField(
        choices=PUBLIC_OUTCOME_CHOICES,
        help_text="The screening decision.",
    )
    shortlisted = serializers.BooleanField(
        allow_null=True, help_text="Whether the panel shortlisted it; null if not considered."
    )


class FundPublicBidsApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="fund_public_bids",
        tags=["bids"],
        auth=[],
        description="Public, once the fund is decided: a summary of each screened bid (title, "
        "organisation, summary, amount, beneficiaries, screening outcome, shortlisted). 404 "
        "before the decision.",
        responses={200: PublicBidSummaryOutput(many=True), **errors(404)},
    )
    def get(self, request: Request, fund_id: int) -> Response:
        _fund, summaries = selectors.public_bid_summaries(fund_id=fund_id)
        return Response(PublicBidSummaryOutput(summaries, many=True).data)
