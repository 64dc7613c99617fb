"""The funds API: councils, their localities and panels, and panel members.

One class per operation, each with its own input and output serializers; each parses the
request, calls the service or selector that decides, and renders what it returns.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import Role
from backend.api.permissions import request_actor
from backend.api.schema import errors
from backend.core.london_time import LONDON, NonexistentLocalTime, from_london

from . import selectors, services
from .models import RULE_COMPLETIONS, RULE_NAMES, Need, Phase

_MAX_ID = 2**63 - 1

# --- councils ----------------------------------------------------------------------------------


class CouncilOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    brand_colour = serializers.CharField(help_text="The council's colour, as #rrggbb.")


class CouncilListApi(APIView):
    @extend_schema(
        operation_id="councils_list",
        tags=["councils"],
        description="The councils the caller serves as council officer or auditor.",
        responses={200: CouncilOutput(many=True), **errors()},
    )
    def get(self, request: Request) -> Response:
        councils = selectors.councils_for_actor(actor=request_actor(request))
        return Response(CouncilOutput(councils, many=True).data)


class CouncilDetailApi(APIView):
    @extend_schema(
        operation_id="council_get",
        tags=["councils"],
        responses={200: CouncilOutput, **errors(403, 404)},
    )
    def get(self, request: Request, council_id: int) -> Response:
        access = selectors.council_access(actor=request_actor(request), council_id=council_id)
        return Response(CouncilOutput(access.council).data)


# --- localities --------------------------------------------------------------------------------


class LocalityOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    ward_codes = serializers.ListField(child=serializers.CharField())
    postcodes = serializers.ListField(child=serializers.CharField())


class LocalityCreateInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    ward_codes = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        help_text="ONS ward codes, like E05011234.",
    )
    postcodes = serializers.ListField(
        child=serializers.CharField(max_length=10),
        required=False,
        help_text="Full postcodes, sectors or districts: SW1A 1AA, SW1A 1 or SW1A.",
    )


class LocalityListApi(APIView):
    @extend_schema(
        operation_id="localities_list",
        tags=["councils"],
        responses={200: LocalityOutput(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, council_id: int) -> Response:
        access = selectors.council_access(actor=request_actor(request), council_id=council_id)
        localities = selectors.localities_for_council(council=access.council)
        return Response(LocalityOutput(localities, many=True).data)


class LocalityCreateApi(APIView):
    @extend_schema(
        operation_id="locality_create",
        tags=["councils"],
        description="A council officer adds an area the council serves.",
        request=LocalityCreateInput,
        responses={201: LocalityOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, council_id: int) -> Response:
        actor = request_actor(request)
        council = selectors.council_get_for_officer(actor=actor, council_id=council_id)
        serializer = LocalityCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        locality = services.locality_create(
            actor=actor, council=council, **serializer.validated_data
        )
        return Response(LocalityOutput(locality).data, status=status.HTTP_201_CREATED)


# --- panels ------------------------------------------------------------------------------------


class PanelLocalityOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PanelOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    council = serializers.IntegerField(source="council_id")
    name = serializers.CharField()
    description = serializers.CharField()
    localities = PanelLocalityOutput(many=True)


class PanelCreateInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    localities = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=_MAX_ID),
        required=False,
        source="locality_ids",
        help_text="Ids of the council's localities that the panel serves.",
    )


class PanelUpdateInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200, required=False, help_text="Officers only.")
    description = serializers.CharField(required=False, allow_blank=True)
    localities = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=_MAX_ID),
        required=False,
        source="locality_ids",
        help_text="Officers only: ids of the localities the panel serves (replaces the list).",
    )


class PanelListApi(APIView):
    @extend_schema(
        operation_id="panels_list",
        tags=["panels"],
        description="The panels of a council, for its officers and auditors.",
        responses={200: PanelOutput(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, council_id: int) -> Response:
        access = selectors.council_access(actor=request_actor(request), council_id=council_id)
        panels = selectors.panels_for_council(council=access.council)
        return Response(PanelOutput(panels, many=True).data)


class PanelCreateApi(APIView):
    @extend_schema(
        operation_id="panel_create",
        tags=["panels"],
        description="A council officer sets up a community panel.",
        request=PanelCreateInput,
        responses={201: PanelOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, council_id: int) -> Response:
        actor = request_actor(request)
        council = selectors.council_get_for_officer(actor=actor, council_id=council_id)
        serializer = PanelCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        panel = services.panel_create(actor=actor, council=council, **serializer.validated_data)
        return Response(PanelOutput(panel).data, status=status.HTTP_201_CREATED)


class PanelDetailApi(APIView):
    @extend_schema(
        operation_id="panel_get",
        tags=["panels"],
        description="For the panel's chair and members, and its council's officers and auditors.",
        responses={200: PanelOutput, **errors(403, 404)},
    )
    def get(self, request: Request, panel_id: int) -> Response:
        access = selectors.panel_access(actor=request_actor(request), panel_id=panel_id)
        return Response(PanelOutput(access.panel).data)


class PanelUpdateApi(APIView):
    @extend_schema(
        operation_id="panel_update",
        tags=["panels"],
        description="Council officers change anything; the panel's chair changes its "
        "description only. Fields left out stay as they are.",
        request=PanelUpdateInput,
        responses={200: PanelOutput, **errors(400, 403, 404)},
    )
    def patch(self, request: Request, panel_id: int) -> Response:
        actor = request_actor(request)
        panel = selectors.panel_get_for_edit(actor=actor, panel_id=panel_id).panel
        serializer = PanelUpdateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        panel = services.panel_update(
            actor=actor,
            panel=panel,
            description=data.get("description", panel.description),
            name=data.get("name"),
            locality_ids=data.get("locality_ids"),
        )
        return Response(PanelOutput(panel).data)


class PanelMemberOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="The role grant (revoke it through role-grants).")
    user = serializers.IntegerField(source="user_id")
    name = serializers.CharField(source="user.display_name")
    role = serializers.ChoiceField(choices=Role.choices)
    term_starts_on = serializers.DateField(allow_null=True)
    term_ends_on = serializers.DateField(allow_null=True)


class PanelMemberListApi(APIView):
    @extend_schema(
        operation_id="panel_members_list",
        tags=["panels"],
        description="The panel's chair and members, with their terms.",
        responses={200: PanelMemberOutput(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, panel_id: int) -> Response:
        access = selectors.panel_access(actor=request_actor(request), panel_id=panel_id)
        members = selectors.panel_members(panel=access.panel)
        return Response(PanelMemberOutput(members, many=True).data)


# --- funds -------------------------------------------------------------------------------------


class LondonDateTimeField(serializers.DateTimeField):
    """Shown in Europe/London; a time given without an offset is London wall-clock time.

    A time skipped when the clocks go forward is refused; a repeated one is its first (BST).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=LONDON, **kwargs)

    def enforce_timezone(self, value: datetime) -> datetime:
        if timezone.is_naive(value):
            try:
                return from_london(value)
            except NonexistentLocalTime as exc:
                raise serializers.ValidationError(str(exc)) from exc
        return super().enforce_timezone(value)


class FundLocalityOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class FundPotOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    share_pence = serializers.IntegerField()


class FundCriterionOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    description = serializers.CharField()
    weight = serializers.IntegerField()
    level_descriptions = serializers.ListField(child=serializers.CharField())


class FundChecklistItemOutput(serializers.Serializer[Any]):
    position = serializers.IntegerField()
    text = serializers.CharField()


class FundOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    council = serializers.IntegerField(source="council_id")
    panel = serializers.IntegerField(source="panel_id")
    name = serializers.CharField()
    phase = serializers.ChoiceField(choices=Phase.choices)
    budget_pence = serializers.IntegerField()
    currency = serializers.CharField()
    pots = FundPotOutput(many=True)
    purpose = serializers.CharField()
    localities = FundLocalityOutput(many=True)
    age_min = serializers.IntegerField(allow_null=True)
    age_max = serializers.IntegerField(allow_null=True)
    needs = serializers.ListField(child=serializers.ChoiceField(choices=Need.choices))
    disadvantage_criteria = serializers.CharField()
    checklist = FundChecklistItemOutput(many=True)
    scale_max = serializers.IntegerField()
    criteria = FundCriterionOutput(many=True)
    officer_ready = serializers.BooleanField(source="officer_ready_at")
    chair_ready = serializers.BooleanField(source="chair_ready_at")
    bids_open_at = LondonDateTimeField(allow_null=True)
    bids_close_at = LondonDateTimeField(allow_null=True)
    scoring_starts_at = LondonDateTimeField(allow_null=True)
    voting_opens_at = LondonDateTimeField(allow_null=True)
    voting_closes_at = LondonDateTimeField(allow_null=True)
    decision_at = LondonDateTimeField(allow_null=True)
    rule_name = serializers.CharField()
    rule_completion = serializers.CharField()
    rule_min_score = serializers.CharField(help_text="An exact fraction, like 3 or 1/4; or blank.")
    rule_min_share = serializers.CharField(help_text="An exact fraction, like 1/4; or blank.")
    frozen_rule = serializers.JSONField(
        allow_null=True, help_text="The rule as the tally applies it, frozen when voting opens."
    )
    tie_order = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="Bid ids, first preferred; frozen when voting opens from a seed in the audit chain.",
    )

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        data["officer_ready"] = instance.officer_ready_at is not None
        data["chair_ready"] = instance.chair_ready_at is not None
        return data


class FundPublicOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    council_name = serializers.CharField(source="council.name")
    name = serializers.CharField()
    purpose = serializers.CharField()
    budget_pence = serializers.IntegerField()
    currency = serializers.CharField()
    localities = FundLocalityOutput(many=True)
    age_min = serializers.IntegerField(allow_null=True)
    age_max = serializers.IntegerField(allow_null=True)
    needs = serializers.ListField(child=serializers.ChoiceField(choices=Need.choices))
    bids_close_at = LondonDateTimeField(allow_null=True)


def _fund_response(fund_id: int, request: Request, code: int = status.HTTP_200_OK) -> Response:
    fund = selectors.fund_get(actor=request_actor(request), fund_id=fund_id)
    return Response(FundOutput(fund).data, status=code)


class FundListApi(APIView):
    @extend_schema(
        operation_id="funds_list",
        tags=["funds"],
        description="Funds of the caller's panels, and of the councils they serve as officer "
        "or auditor.",
        responses={200: FundOutput(many=True), **errors()},
    )
    def get(self, request: Request) -> Response:
        funds = selectors.funds_for_actor(actor=request_actor(request))
        return Response(FundOutput(funds, many=True).data)


class FundOpenListApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="funds_open_list",
        tags=["funds"],
        auth=[],
        description="Public: the funds open for bids now, with their populations and budgets.",
        responses={200: FundPublicOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response(FundPublicOutput(selectors.funds_open_for_bids(), many=True).data)


class FundCreateInput(serializers.Serializer[Any]):
    council = serializers.IntegerField(min_value=1, max_value=_MAX_ID)
    panel = serializers.IntegerField(min_value=1, max_value=_MAX_ID)
    name = serializers.CharField(max_length=200)
    budget_pence = serializers.IntegerField(max_value=_MAX_ID, help_text="In pence, above 0.")


class FundCreateApi(APIView):
    @extend_schema(
        operation_id="fund_create",
        tags=["funds"],
        description="A council officer starts a fund (a draft) for one of the council's panels.",
        request=FundCreateInput,
        responses={201: FundOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request) -> Response:
        actor = request_actor(request)
        serializer = FundCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        council = selectors.council_get_for_officer(actor=actor, council_id=data["council"])
        panel = selectors.panel_get_for_officer(actor=actor, panel_id=data["panel"])
        fund = services.fund_create(
            actor=actor,
            council=council,
            panel=panel,
            name=data["name"],
            budget_pence=data["budget_pence"],
        )
        return _fund_response(fund.pk, request, status.HTTP_201_CREATED)


class FundDetailApi(APIView):
    @extend_schema(
        operation_id="fund_get",
        tags=["funds"],
        description="For the fund's council officers and auditors and its panel.",
        responses={200: FundOutput, **errors(403, 404)},
    )
    def get(self, request: Request, fund_id: int) -> Response:
        return _fund_response(fund_id, request)


class FundPotInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    share_pence = serializers.IntegerField(max_value=_MAX_ID)


class FundBudgetInput(serializers.Serializer[Any]):
    budget_pence = serializers.IntegerField(max_value=_MAX_ID, help_text="In pence, above 0.")
    pots = FundPotInput(many=True, required=False, help_text="Replaces the pots.")


class FundBudgetSetApi(APIView):
    @extend_schema(
        operation_id="fund_budget_set",
        tags=["funds"],
        description="The council officer sets the budget and the pots (their shares within it).",
        request=FundBudgetInput,
        responses={200: FundOutput, **errors(400, 403, 404)},
    )
    def put(self, request: Request, fund_id: int) -> Response:
        actor = request_actor(request)
        fund = selectors.fund_get(actor=actor, fund_id=fund_id)
        serializer = FundBudgetInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.fund_set_budget_and_pots(
            actor=actor,
            fund=fund,
            budget_pence=data["budget_pence"],
            pots=[services.PotInput(**pot) for pot in data.get("pots", [])],
        )
        return _fund_response(fund_id, request)


class FundPopulationInput(serializers.Serializer[Any]):
    purpose = serializers.CharField()
    localities = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=_MAX_ID),
        required=False,
        source="locality_ids",
    )
    age_min = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    age_max = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    needs = serializers.ListField(
        child=serializers.ChoiceField(choices=Need.choices), required=False
    )
    disadvantage_criteria = serializers.CharField(required=False, allow_blank=True)


class FundPopulationSetApi(APIView):
    @extend_schema(
        operation_id="fund_population_set",
        tags=["funds"],
        description="The panel chair sets the fund's purpose and the population it serves.",
        request=FundPopulationInput,
        responses={200: FundOutput, **errors(400, 403, 404)},
    )
    def put(self, request: Request, fund_id: int) -> Response:
        actor = request_actor(request)
        fund = selectors.fund_get(actor=actor, fund_id=fund_id)
        serializer = FundPopulationInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.fund_set_purpose_and_population(
            actor=actor, fund=fund, **serializer.validated_data
        )
        return _fund_response(fund_id, request)


class FundChecklistInput(serializers.Serializer[Any]):
    items = serializers.ListField(child=serializers.CharField(), help_text="In order.")


class FundChecklistSetApi(APIView):
    @extend_schema(
        operation_id="fund_checklist_set",
        tags=["funds"],
        description="The panel chair sets the eligibility checklist (replaces it).",
        request=FundChecklistInput,
        responses={200: FundOutput, **errors(400, 403, 404)},
    )
    def put(self, request: Request, fund_id: int) -> Response:
        actor = request_actor(request)
        fund = selectors.fund_get(actor=actor, fund_id=fund_id)
        serializer = FundChecklistInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.fund_set_checklist(
            actor=actor, fund=fund, items=serializer.validated_data["items"]
        )
        return _fund_response(fund_id, request)


class FundCriterionInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    weight = serializers.IntegerField(min_value=1, max_value=100)
    description = serializers.CharField(required=False, allow_blank=True)
    level_descriptions = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="One per level, from 0 to scale_max; or none.",
    )


class FundRubricInput(serializers.Serializer[Any]):
    scale_max = serializers.IntegerField(min_value=1, max_value=10)
    criteria = FundCriterionInput(many=True)


class FundRubricSetApi(APIView):
    @extend_schema(
        operation_id="fund_rubric_set",
        tags=["funds"],
        description="The panel chair sets the rubric: weighted criteria on a scale (replaces it).",
        request=FundRubricInput,
        responses={200: FundOutput, **errors(400, 403, 404)},
    )
    def put(self, request: Request, fund_id: int) -> Response:
        actor = request_actor(request)
        fund = selectors.fund_get(actor=actor, fund_id=fund_id)
        serializer = FundRubricInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.fund_set_rubric(
            actor=actor,
            fund=fund,
            scale_max=data["scale_max"],
            criteria=[services.CriterionInput(**criterion) for criterion in data["criteria"]],
        )
        return _fund_response(fund_id, request)


class FundRubricDefaultsApi(APIView):
    @extend_schema(
        operation_id="fund_rubric_defaults",
        tags=["funds"],
        description="The panel chair starts from the default rubric: community need, evidence of "
        "what works, value for money, community involvement, sustainability.",
        request=None,
        responses={200: FundOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, fund_id: int) -> Response:
        actor = request_actor(request)
        fund = selectors.fund_get(actor=actor, fund_id=fund_id)
        services.fund_apply_default_rubric(actor=actor, fund=fund)
        return _fund_response(fund_id, request)


class FundTimelineInput(serializers.Serializer[Any]):
    bids_open_at = LondonDateTimeField()
    bids_close_at = LondonDateTimeField(help_text="Screening starts.")
    scoring_starts_at = LondonDateTimeField()
    voting_opens_at = LondonDateTimeField()
    voting_closes_at = LondonDateTimeField()
    decision_at = LondonDateTimeField()


class FundTimelineSetApi(APIView):
    @extend_schema(
        operation_id="fund_timeline_set",
        tags=["funds"],
        description="The council officer sets when each phase starts, each after the one before. "
        "A time without an offset is London time; one skipped when the clocks go forward is "
        "refused, one repeated when they go back is its first occurrence (BST).",
        request=FundTimelineInput,
        responses={200: FundOutput, **errors(400, 403, 404)},
    )
    def put(self, request: Request, fund_id: int) -> Response:
        actor = request_actor(request)
        fund = selectors.fund_get(actor=actor, fund_id=fund_id)
        serializer = FundTimelineInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.fund_set_timeline(actor=actor, fund=fund, **serializer.validated_data)
        return _fund_response(fund_id, request)


class FundRuleInput(serializers.Serializer[Any]):
    rule_name = serializers.ChoiceField(choices=RULE_NAMES)
    completion = serializers.ChoiceField(choices=RULE_COMPLETIONS, required=False)
    min_score = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text="Like 3, 2.5 or 5/2."
    )
    min_share = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text="From 0 to 1, like 0.25 or 1/4."
    )


class FundRuleSetApi(APIView):
    @extend_schema(
        operation_id="fund_rule_set",
        tags=["funds"],
        description="The council officer chooses the decision rule; the tally engine checks it.",
        request=FundRuleInput,
        responses={200: FundOutput, **errors(400, 403, 404)},
    )
    def put(self, request: Request, fund_id: int) -> Response:
        actor = request_actor(request)
        fund = selectors.fund_get(actor=actor, fund_id=fund_id)
        serializer = FundRuleInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.fund_set_decision_rule(actor=actor, fund=fund, **serializer.validated_data)
        return _fund_response(fund_id, request)


class FundReadyInput(serializers.Serializer[Any]):
    part = serializers.ChoiceField(
        choices=[("officer", "officer"), ("chair", "chair")],
        help_text="officer: budget, timeline and rule; chair: purpose, checklist and rubric.",
    )


class FundMarkReadyApi(APIView):
    @extend_schema(
        operation_id="fund_mark_ready",
        tags=["funds"],
        description="The council officer or the panel chair says their part is done.",
        request=FundReadyInput,
        responses={200: FundOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, fund_id: int) -> Response:
        actor = request_actor(request)
        fund = selectors.fund_get(actor=actor, fund_id=fund_id)
        serializer = FundReadyInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.fund_mark_ready(actor=actor, fund=fund, part=serializer.validated_data["part"])
        return _fund_response(fund_id, request)


class FundTransitionInput(serializers.Serializer[Any]):
    to_phase = serializers.ChoiceField(choices=Phase.choices)


class FundTransitionApi(APIView):
    @extend_schema(
        operation_id="fund_transition",
        tags=["funds"],
        description="A council officer moves the fund to its next phase ahead of its date, or "
        "cancels it. Phases also change by themselves at the timeline's dates.",
        request=FundTransitionInput,
        responses={200: FundOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, fund_id: int) -> Response:
        actor = request_actor(request)
        fund = selectors.fund_get(actor=actor, fund_id=fund_id)
        serializer = FundTransitionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.fund_transition(
            actor=actor, fund=fund, to_phase=serializer.validated_data["to_phase"]
        )
        return _fund_response(fund_id, request)
