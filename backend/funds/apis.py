"""The funds API: councils, their localities and panels, and panel members.

One class per operation, each with its own input and output serializers; each parses the
request, calls the service or selector that decides, and renders what it returns.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import Role
from backend.api.permissions import request_actor
from backend.api.schema import errors

from . import selectors, services

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
