"""The accounts API: who is signed in, API tokens, organisations and their members, roles, MFA.

One class per operation, each with its own input and output serializers; each parses the
request, calls the service or selector that decides, and renders what it returns.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.api.permissions import SessionOnly, request_actor
from backend.api.schema import SESSION_ONLY_AUTH, ErrorOutput, errors

from . import orgids, selectors, services
from .models import LegalForm, Role

# --- me ----------------------------------------------------------------------------------------


class MeRoleOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=Role.choices)
    council = serializers.IntegerField(source="council_id", allow_null=True)
    panel = serializers.IntegerField(source="panel_id", allow_null=True)
    organisation = serializers.IntegerField(source="organisation_id", allow_null=True)
    scope_name = serializers.CharField(
        source="scope", help_text="The council, panel or organisation."
    )
    term_starts_on = serializers.DateField(allow_null=True)
    term_ends_on = serializers.DateField(allow_null=True)
    granted_at = serializers.DateTimeField()


class MeOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="user.pk")
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    language = serializers.CharField(source="user.language")
    mfa_verified = serializers.BooleanField(
        help_text="Whether this session signed in with a second factor (always true for a token)."
    )
    roles = MeRoleOutput(many=True, help_text="Active roles, each with its scope.")


class MeApi(APIView):
    @extend_schema(operation_id="me_get", tags=["me"], responses={200: MeOutput, **errors()})
    def get(self, request: Request) -> Response:
        actor = request_actor(request)
        grants = selectors.active_grants_for_user(user=actor.user)
        return Response(
            MeOutput({"user": actor.user, "mfa_verified": actor.mfa_verified, "roles": grants}).data
        )


# --- API tokens --------------------------------------------------------------------------------


class ApiTokenOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField(help_text="The token's first characters, to tell tokens apart.")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)


class ApiTokenIssueInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100, help_text="What the token is for.")


class ApiTokenIssueOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="api_token.pk")
    name = serializers.CharField(source="api_token.name")
    prefix = serializers.CharField(source="api_token.prefix")
    created_at = serializers.DateTimeField(source="api_token.created_at")
    expires_at = serializers.DateTimeField(source="api_token.expires_at")
    token = serializers.CharField(
        help_text="The token, shown this once: send it as `Authorization: Bearer <token>`."
    )


class ApiTokenListApi(APIView):
    @extend_schema(
        operation_id="api_tokens_list",
        tags=["tokens"],
        responses={200: ApiTokenOutput(many=True), **errors()},
    )
    def get(self, request: Request) -> Response:
        tokens = selectors.api_tokens_for_user(user=request_actor(request).user)
        return Response(ApiTokenOutput(tokens, many=True).data)


class ApiTokenIssueApi(APIView):
    permission_classes = [IsAuthenticated, SessionOnly]

    @extend_schema(
        operation_id="api_token_issue",
        tags=["tokens"],
        description="Only from a session signed in with two-factor authentication, never with "
        "a token. The response carries the token once; only its hash is stored.",
        auth=SESSION_ONLY_AUTH,
        request=ApiTokenIssueInput,
        responses={
            201: ApiTokenIssueOutput,
            **errors(400),
            403: OpenApiResponse(
                response=ErrorOutput,
                description='Not from an MFA-verified session (code "permission_denied"), or '
                'sent with a token (code "session_required").',
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = ApiTokenIssueInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, plaintext = services.api_token_issue(
            actor=request_actor(request), **serializer.validated_data
        )
        return Response(
            ApiTokenIssueOutput({"api_token": token, "token": plaintext}).data,
            status=status.HTTP_201_CREATED,
        )


class ApiTokenRevokeApi(APIView):
    @extend_schema(
        operation_id="api_token_revoke",
        tags=["tokens"],
        responses={204: OpenApiResponse(description="Revoked."), **errors(404)},
    )
    def delete(self, request: Request, token_id: int) -> Response:
        actor = request_actor(request)
        token = selectors.api_token_get(actor=actor, token_id=token_id)
        services.api_token_revoke(actor=actor, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- organisations -----------------------------------------------------------------------------


class OrganisationOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    legal_form = serializers.ChoiceField(choices=LegalForm.choices)
    company_org_id = serializers.CharField(
        help_text="org-id.guide identifier, e.g. GB-COH-01234567"
    )
    charity_org_id = serializers.CharField(help_text="e.g. GB-CHC-1234567, GB-SC-SC012345")
    society_org_id = serializers.CharField(help_text="e.g. GB-MPR-12345R")
    address_line_1 = serializers.CharField()
    address_line_2 = serializers.CharField()
    town = serializers.CharField()
    postcode = serializers.CharField()
    contact_email = serializers.EmailField()
    contact_phone = serializers.CharField()
    website = serializers.CharField()
    created_at = serializers.DateTimeField()


class OrganisationCreateInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    legal_form = serializers.ChoiceField(choices=LegalForm.choices)
    company_number = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="Companies House number."
    )
    charity_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    charity_regulator = serializers.ChoiceField(
        choices=[(r.value, r.name) for r in orgids.CharityRegulator],
        required=False,
        help_text="Who registered the charity number (default ccew: England and Wales).",
    )
    society_number = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="FCA Mutuals Register number."
    )
    address_line_1 = serializers.CharField(max_length=200)
    address_line_2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    town = serializers.CharField(max_length=100)
    postcode = serializers.CharField(max_length=10)
    contact_email = serializers.EmailField()
    contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)


class OrganisationUpdateInput(OrganisationCreateInput):
    """All of the details (PUT), or only those that change (PATCH)."""


class OrganisationListApi(APIView):
    @extend_schema(
        operation_id="organisations_list",
        tags=["organisations"],
        description="The organisations the caller is a member of.",
        responses={200: OrganisationOutput(many=True), **errors()},
    )
    def get(self, request: Request) -> Response:
        organisations = selectors.organisations_for_user(user=request_actor(request).user)
        return Response(OrganisationOutput(organisations, many=True).data)


class OrganisationCreateApi(APIView):
    @extend_schema(
        operation_id="organisation_create",
        tags=["organisations"],
        description="Register an organisation (needs a verified email); the caller becomes "
        "its first member.",
        request=OrganisationCreateInput,
        responses={201: OrganisationOutput, **errors(400, 403)},
    )
    def post(self, request: Request) -> Response:
        serializer = OrganisationCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        organisation = services.organisation_create(
            actor=request_actor(request),
            details=services.OrganisationDetails(**serializer.validated_data),
        )
        return Response(OrganisationOutput(organisation).data, status=status.HTTP_201_CREATED)


class OrganisationDetailApi(APIView):
    @extend_schema(
        operation_id="organisation_get",
        tags=["organisations"],
        description="Members see their organisation; council officers and auditors see any.",
        responses={200: OrganisationOutput, **errors(403, 404)},
    )
    def get(self, request: Request, organisation_id: int) -> Response:
        organisation = selectors.organisation_get(
            actor=request_actor(request), organisation_id=organisation_id
        )
        return Response(OrganisationOutput(organisation).data)


class OrganisationUpdateApi(APIView):
    @extend_schema(
        operation_id="organisation_update",
        tags=["organisations"],
        request=OrganisationUpdateInput,
        responses={200: OrganisationOutput, **errors(400, 403, 404)},
    )
    def put(self, request: Request, organisation_id: int) -> Response:
        return self._update(request, organisation_id, partial=False)

    @extend_schema(
        operation_id="organisation_partial_update",
        tags=["organisations"],
        request=OrganisationUpdateInput,
        responses={200: OrganisationOutput, **errors(400, 403, 404)},
    )
    def patch(self, request: Request, organisation_id: int) -> Response:
        return self._update(request, organisation_id, partial=True)

    def _update(self, request: Request, organisation_id: int, *, partial: bool) -> Response:
        actor = request_actor(request)
        organisation = selectors.organisation_get_for_member(
            actor=actor, organisation_id=organisation_id
        )
        serializer = OrganisationUpdateInput(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        # A PATCH changes only the fields it names; the rest stay as they are.
        details = replace(
            selectors.organisation_details(organisation=organisation),
            **serializer.validated_data,
        )
        organisation = services.organisation_update(
            actor=actor, organisation=organisation, details=details
        )
        return Response(OrganisationOutput(organisation).data)


class OrganisationInviteInput(serializers.Serializer[Any]):
    email = serializers.EmailField(help_text="Who to invite; they get an email with a link.")


class OrganisationInvitationOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


# The emailed link leads to the web UI's page that accepts an invitation (named by string: the
# backend does not import the frontend). The service puts the token where "{token}" is.
_TOKEN_MARK = "TOKEN-GOES-HERE"


def _accept_url_template(request: Request) -> str:
    path = reverse("organisation_invitation_accept", kwargs={"token": _TOKEN_MARK})
    return request.build_absolute_uri(path).replace(_TOKEN_MARK, "{token}")


class OrganisationInviteApi(APIView):
    @extend_schema(
        operation_id="organisation_invite",
        tags=["organisations"],
        request=OrganisationInviteInput,
        responses={201: OrganisationInvitationOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, organisation_id: int) -> Response:
        actor = request_actor(request)
        organisation = selectors.organisation_get_for_member(
            actor=actor, organisation_id=organisation_id
        )
        serializer = OrganisationInviteInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.organisation_invite(
            actor=actor,
            organisation=organisation,
            email=serializer.validated_data["email"],
            accept_url_template=_accept_url_template(request),
        )
        return Response(
            OrganisationInvitationOutput(invitation).data, status=status.HTTP_201_CREATED
        )


class OrganisationInvitationAcceptInput(serializers.Serializer[Any]):
    token = serializers.CharField(max_length=200, help_text="The token from the emailed link.")


class OrganisationInvitationAcceptApi(APIView):
    @extend_schema(
        operation_id="organisation_invitation_accept",
        tags=["organisations"],
        description="Join the organisation an invitation to the caller's email address is for.",
        request=OrganisationInvitationAcceptInput,
        responses={200: OrganisationOutput, **errors(400)},
    )
    def post(self, request: Request) -> Response:
        serializer = OrganisationInvitationAcceptInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        organisation = services.organisation_invitation_accept(
            actor=request_actor(request), token=serializer.validated_data["token"]
        )
        return Response(OrganisationOutput(organisation).data)


class OrganisationMemberRemoveApi(APIView):
    @extend_schema(
        operation_id="organisation_member_remove",
        tags=["organisations"],
        description="A member removes a colleague, or leaves; the last member cannot leave.",
        responses={204: OpenApiResponse(description="Removed."), **errors(400, 403, 404)},
    )
    def delete(self, request: Request, organisation_id: int, user_id: int) -> Response:
        actor = request_actor(request)
        organisation = selectors.organisation_get_for_member(
            actor=actor, organisation_id=organisation_id
        )
        user = selectors.organisation_member_get(organisation=organisation, user_id=user_id)
        services.organisation_member_remove(actor=actor, organisation=organisation, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- roles and MFA resets ----------------------------------------------------------------------

_MAX_ID = 2**63 - 1


class RoleGrantCreateInput(serializers.Serializer[Any]):
    email = serializers.EmailField(help_text="The person's account email address.")
    role = serializers.ChoiceField(
        choices=Role.choices,
        help_text="A council role (council_officer, auditor) or a panel role (panel_chair, "
        "panel_member); applicants join organisations by invitation instead.",
    )
    council = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=_MAX_ID,
        help_text="For council_officer and auditor.",
    )
    panel = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=_MAX_ID,
        help_text="For panel_chair and panel_member.",
    )
    term_starts_on = serializers.DateField(required=False, allow_null=True)
    term_ends_on = serializers.DateField(required=False, allow_null=True)


class RoleGrantUserOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()


class RoleGrantOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    user = RoleGrantUserOutput()
    role = serializers.ChoiceField(choices=Role.choices)
    council = serializers.IntegerField(source="council_id", allow_null=True)
    panel = serializers.IntegerField(source="panel_id", allow_null=True)
    term_starts_on = serializers.DateField(allow_null=True)
    term_ends_on = serializers.DateField(allow_null=True)
    granted_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class RoleGrantCreateApi(APIView):
    @extend_schema(
        operation_id="role_grant",
        tags=["roles"],
        description="A council officer grants a council role in their council, or a panel role "
        "in one of its panels.",
        request=RoleGrantCreateInput,
        responses={201: RoleGrantOutput, **errors(400, 403)},
    )
    def post(self, request: Request) -> Response:
        actor = request_actor(request)
        serializer = RoleGrantCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parties = selectors.role_grant_parties(
            actor=actor,
            email=data["email"],
            council_id=data.get("council"),
            panel_id=data.get("panel"),
        )
        grant = services.role_grant(
            actor=actor,
            user=parties.user,
            role=Role(data["role"]),
            council=parties.council,
            panel=parties.panel,
            term_starts_on=data.get("term_starts_on"),
            term_ends_on=data.get("term_ends_on"),
        )
        return Response(RoleGrantOutput(grant).data, status=status.HTTP_201_CREATED)


class RoleGrantRevokeApi(APIView):
    @extend_schema(
        operation_id="role_revoke",
        tags=["roles"],
        description="A council officer revokes a council or panel role; it stays as history.",
        request=None,
        responses={200: RoleGrantOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, grant_id: int) -> Response:
        actor = request_actor(request)
        grant = selectors.grant_get_for_officer(actor=actor, grant_id=grant_id)
        grant = services.role_revoke(actor=actor, grant=grant)
        return Response(RoleGrantOutput(grant).data)


class MfaResetOutput(serializers.Serializer[Any]):
    removed = serializers.IntegerField(help_text="How many authenticators were removed.")


class MfaResetApi(APIView):
    @extend_schema(
        operation_id="mfa_reset",
        tags=["roles"],
        description="A council officer removes the lost authenticators of someone holding a "
        "role in their council, so that they can set up a new one.",
        request=None,
        responses={200: MfaResetOutput, **errors(400, 403, 404)},
    )
    def post(self, request: Request, user_id: int) -> Response:
        actor = request_actor(request)
        user = selectors.user_get(user_id=user_id)
        removed = services.mfa_reset(actor=actor, user=user)
        return Response(MfaResetOutput({"removed": removed}).data)
