"""The OpenAPI schema, the docs page under the CSP, and the security headers of API responses."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.test import Client
from drf_spectacular.validation import validate_schema

from tests.factories import UserFactory, signed_in_client

from .calls import call

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("/api/v1/me/", "get"),
    ("/api/v1/tokens/", "get"),
    ("/api/v1/tokens/", "post"),
    ("/api/v1/tokens/{token_id}/", "delete"),
    ("/api/v1/organisations/", "get"),
    ("/api/v1/organisations/", "post"),
    ("/api/v1/organisations/{organisation_id}/", "get"),
    ("/api/v1/organisations/{organisation_id}/", "put"),
    ("/api/v1/organisations/{organisation_id}/", "patch"),
    ("/api/v1/organisations/{organisation_id}/invitations/", "post"),
    ("/api/v1/organisations/invitations/accept/", "post"),
    ("/api/v1/organisations/{organisation_id}/members/{user_id}/", "delete"),
    ("/api/v1/councils/", "get"),
    ("/api/v1/councils/{council_id}/", "get"),
    ("/api/v1/councils/{council_id}/localities/", "get"),
    ("/api/v1/councils/{council_id}/localities/", "post"),
    ("/api/v1/councils/{council_id}/panels/", "get"),
    ("/api/v1/councils/{council_id}/panels/", "post"),
    ("/api/v1/panels/{panel_id}/", "get"),
    ("/api/v1/panels/{panel_id}/", "patch"),
    ("/api/v1/panels/{panel_id}/members/", "get"),
    ("/api/v1/role-grants/", "post"),
    ("/api/v1/role-grants/{grant_id}/revoke/", "post"),
    ("/api/v1/users/{user_id}/mfa-reset/", "post"),
    ("/api/v1/funds/", "get"),
    ("/api/v1/funds/", "post"),
    ("/api/v1/funds/open/", "get"),
    ("/api/v1/funds/{fund_id}/", "get"),
    ("/api/v1/funds/{fund_id}/budget/", "put"),
    ("/api/v1/funds/{fund_id}/population/", "put"),
    ("/api/v1/funds/{fund_id}/checklist/", "put"),
    ("/api/v1/funds/{fund_id}/rubric/", "put"),
    ("/api/v1/funds/{fund_id}/rubric/defaults/", "post"),
    ("/api/v1/funds/{fund_id}/timeline/", "put"),
    ("/api/v1/funds/{fund_id}/rule/", "put"),
    ("/api/v1/funds/{fund_id}/ready/", "post"),
    ("/api/v1/funds/{fund_id}/transitions/", "post"),
    ("/api/v1/bids/", "get"),
    ("/api/v1/bids/", "post"),
    ("/api/v1/bids/{bid_id}/", "get"),
    ("/api/v1/bids/{bid_id}/", "patch"),
    ("/api/v1/bids/{bid_id}/budget/", "put"),
    ("/api/v1/bids/{bid_id}/attachments/", "get"),
    ("/api/v1/bids/{bid_id}/attachments/", "post"),
    ("/api/v1/bids/{bid_id}/attachments/{attachment_id}/", "delete"),
    ("/api/v1/bids/{bid_id}/attachments/{attachment_id}/content/", "get"),
    ("/api/v1/bids/{bid_id}/declarations/", "put"),
    ("/api/v1/funds/{fund_id}/public-bids/", "get"),
    ("/api/v1/bids/{bid_id}/submit/", "post"),
    ("/api/v1/bids/{bid_id}/withdraw/", "post"),
    ("/api/v1/funds/{fund_id}/screening-queue/", "get"),
    ("/api/v1/bids/{bid_id}/screening/", "get"),
    ("/api/v1/bids/{bid_id}/screening/items/{item_id}/", "put"),
    ("/api/v1/bids/{bid_id}/screening/decision/", "post"),
    ("/api/v1/funds/{fund_id}/conflicts/", "get"),
    ("/api/v1/funds/{fund_id}/conflicts/mine/", "get"),
    ("/api/v1/bids/{bid_id}/conflict/", "put"),
    ("/api/v1/conflicts/{declaration_id}/review/", "post"),
    ("/api/v1/funds/{fund_id}/scoring-settings/", "get"),
    ("/api/v1/funds/{fund_id}/scoring-settings/", "put"),
    ("/api/v1/bids/{bid_id}/scoring/", "get"),
    ("/api/v1/bids/{bid_id}/scoring/", "put"),
    ("/api/v1/bids/{bid_id}/scoring/submit/", "post"),
    ("/api/v1/sheets/{sheet_id}/reopen/", "post"),
    ("/api/v1/bids/{bid_id}/moderation/", "post"),
    ("/api/v1/funds/{fund_id}/scores/", "get"),
    ("/api/v1/funds/{fund_id}/scoring-progress/", "get"),
    ("/api/v1/funds/{fund_id}/scoring-matrix.csv", "get"),
    ("/api/v1/funds/{fund_id}/shortlist/", "get"),
    ("/api/v1/funds/{fund_id}/shortlist/", "post"),
    ("/api/v1/funds/{fund_id}/shortlist/entries/{bid_id}/", "put"),
    ("/api/v1/funds/{fund_id}/shortlist/confirm/", "post"),
}

# Operations whose request body is a file upload (multipart), not JSON.
MULTIPART = {("/api/v1/bids/{bid_id}/attachments/", "post")}

# Operations anyone may call, signed in or not (no 401).
PUBLIC = {("/api/v1/funds/open/", "get")}

COMPONENTS = {
    "MeOutput",
    "MeRoleOutput",
    "ApiTokenOutput",
    "ApiTokenIssueInput",
    "ApiTokenIssueOutput",
    "OrganisationOutput",
    "OrganisationCreateInput",
    "OrganisationUpdateInput",
    "PatchedOrganisationUpdateInput",
    "OrganisationInviteInput",
    "OrganisationInvitationOutput",
    "OrganisationInvitationAcceptInput",
    "CouncilOutput",
    "LocalityOutput",
    "LocalityCreateInput",
    "PanelOutput",
    "PanelLocalityOutput",
    "PanelCreateInput",
    "PatchedPanelUpdateInput",
    "PanelMemberOutput",
    "RoleGrantCreateInput",
    "RoleGrantOutput",
    "RoleGrantUserOutput",
    "MfaResetOutput",
    "ErrorOutput",
    "FundOutput",
    "FundPublicOutput",
    "FundLocalityOutput",
    "FundPotOutput",
    "FundCriterionOutput",
    "FundChecklistItemOutput",
    "FundCreateInput",
    "FundBudgetInput",
    "FundPotInput",
    "FundPopulationInput",
    "FundChecklistInput",
    "FundRubricInput",
    "FundCriterionInput",
    "FundTimelineInput",
    "FundRuleInput",
    "FundReadyInput",
    "FundTransitionInput",
    "BidOutput",
    "BidBudgetLineOutput",
    "BidAttachmentOutput",
    "BidCreateInput",
    "PatchedBidUpdateInput",
    "BidBudgetInput",
    "BidDeclarationsInput",
    "PublicBidSummaryOutput",
    "BidBudgetLineInput",
    "BidAttachmentUploadInput",
    "ScreeningQueueBidOutput",
    "ScreeningOutput",
    "ScreeningLineOutput",
    "ScreeningItemRecordInput",
    "ScreeningDecisionInput",
    "ConflictRowOutput",
    "ConflictDeclarationOutput",
    "ConflictDeclareInput",
    "ConflictRegisterRowOutput",
    "ConflictReviewInput",
    "ScoringSettingsOutput",
    "ScoringSettingsInput",
    "ScoringPageOutput",
    "ScoringCriterionOutput",
    "ScoringLevelOutput",
    "ScoreSheetOutput",
    "OtherSheetOutput",
    "OtherScoreOutput",
    "SheetSaveInput",
    "SheetScoreInput",
    "SheetReopenInput",
    "ModerationInput",
    "ModerationOutput",
    "FundScoresOutput",
    "BidScoreOutput",
    "BidScoreSheetOutput",
    "ScorerStatsOutput",
    "ScoringProgressOutput",
    "MemberProgressOutput",
    "ShortlistStateOutput",
    "ShortlistOutput",
    "ShortlistEntryOutput",
    "ShortlistProposeInput",
    "ShortlistEntryInput",
}


class TestSchema:
    def test_generates_without_warnings_and_validates(self, tmp_path):
        # Raises (and fails the test) on any warning or error, or an invalid OpenAPI document.
        call_command(
            "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
        )
        assert "/api/v1/me/" in (tmp_path / "schema.yml").read_text()

    @pytest.fixture
    def schema(self, client):
        response = client.get("/api/schema/", {"format": "json"})
        assert response.status_code == 200
        document = json.loads(response.content)
        validate_schema(document)
        return document

    def test_has_every_operation_with_its_bodies(self, schema):
        operations = {
            (path, method): operation
            for path, methods in schema["paths"].items()
            for method, operation in methods.items()
        }
        assert set(operations) == OPERATIONS
        ids = [operation["operationId"] for operation in operations.values()]
        assert len(ids) == len(set(ids))
        for (path, method), operation in operations.items():
            responses = operation["responses"]
            success = [code for code in responses if code.startswith("2")]
            assert len(success) == 1, (path, method)
            if success != ["204"]:
                assert "content" in responses[success[0]], (path, method)
            assert ("401" in responses) is ((path, method) not in PUBLIC), (path, method)
            if method in {"put", "patch"} or (method == "post" and "requestBody" in operation):
                media = "multipart/form-data" if (path, method) in MULTIPART else "application/json"
                body = operation["requestBody"]["content"][media]["schema"]
                assert body["$ref"].removeprefix("#/components/schemas/") in COMPONENTS
        assert "requestBody" in operations[("/api/v1/organisations/", "post")]
        assert "requestBody" in operations[("/api/v1/role-grants/", "post")]

    def test_names_components_after_the_input_and_output_serializers(self, schema):
        names = set(schema["components"]["schemas"])
        assert names >= COMPONENTS
        enums = {name for name in names if name.endswith("Enum")}
        assert names - enums == COMPONENTS

    def test_errors_have_a_message_a_code_and_a_field_map(self, schema):
        error = schema["components"]["schemas"]["ErrorOutput"]
        assert set(error["required"]) == {"message", "code", "fields"}
        assert error["properties"]["fields"]["additionalProperties"]["type"] == "array"

    def test_token_issue_is_documented_as_session_only(self, schema):
        issue = schema["paths"]["/api/v1/tokens/"]["post"]
        assert issue["security"] == [{"cookieAuth": []}]
        assert {"bearerAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


class _Page(HTMLParser):
    """The tags of a page that load or hold script, style and other assets."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _parse(html: str) -> list[tuple[str, dict[str, str | None]]]:
    page = _Page()
    page.feed(html)
    return page.tags


def _is_local(url: str) -> bool:
    """A path on this host (not scheme-relative, which could name another host)."""
    return url.startswith("/") and not url.startswith("//")


def _nonce(response) -> str:
    policy = response["Content-Security-Policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    match = re.search(r"'nonce-([^']+)'", script_src)
    assert match, policy
    return match.group(1)


class TestDocs:
    @pytest.fixture
    def page(self, client):
        response = client.get("/api/docs/")
        assert response.status_code == 200
        return response

    def test_references_no_other_host(self, page):
        html = page.content.decode()
        assert re.findall(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", html, re.IGNORECASE) == []
        for _tag, attrs in _parse(html):
            for name in ("src", "href"):
                url = attrs.get(name)
                if url is not None:
                    assert _is_local(url), url

    def test_every_script_is_a_local_file_or_carries_the_nonce(self, page):
        nonce = _nonce(page)
        scripts = [attrs for tag, attrs in _parse(page.content.decode()) if tag == "script"]
        assert len(scripts) >= 3
        for attrs in scripts:
            src = attrs.get("src")
            if src:
                assert _is_local(src), src
            else:
                assert attrs.get("nonce") == nonce, attrs
        styles = [attrs for tag, attrs in _parse(page.content.decode()) if tag == "style"]
        assert all(attrs.get("nonce") == nonce for attrs in styles)

    def test_the_assets_and_the_start_up_script_are_served(self, settings, page):
        # In production collectstatic puts the sidecar's files where WhiteNoise serves them;
        # here WhiteNoise serves them from the apps' static folders.
        settings.WHITENOISE_USE_FINDERS = True
        assets = Client()
        urls = [
            attrs.get("src") or attrs.get("href")
            for tag, attrs in _parse(page.content.decode())
            if tag in {"script", "link"}
        ]
        assert len(urls) >= 5  # favicon, stylesheet, two bundles and the start-up script
        for url in urls:
            response = assets.get(url)
            assert response.status_code == 200, url
        script = assets.get("/api/docs/?script=")
        assert script["Content-Type"].startswith("application/javascript")
        assert "SwaggerUIBundle(" in script.content.decode()
        assert '"/api/schema/' in script.content.decode()


class TestSecurityHeaders:
    def test_pages_carry_a_fresh_nonce_and_no_inline_script_allowance(self, client):
        first, second = client.get("/api/docs/"), client.get("/api/docs/")
        assert _nonce(first) != _nonce(second)
        for response in (first, second):
            self._assert_headers(response)

    def test_api_responses_carry_the_headers_too(self):
        response = call(signed_in_client(UserFactory()), "GET", "/api/v1/me/")
        assert response.status_code == 200
        self._assert_headers(response)
        anonymous = call(Client(), "GET", "/api/v1/me/")
        assert anonymous.status_code == 401
        self._assert_headers(anonymous)

    @staticmethod
    def _assert_headers(response) -> None:
        policy = response["Content-Security-Policy"]
        directives = {
            d.strip().split()[0]: d.strip().split()[1:] for d in policy.split(";") if d.strip()
        }
        assert "'unsafe-inline'" not in directives["script-src"]
        assert "'unsafe-inline'" not in directives.get("style-src", [])
        assert "'unsafe-eval'" not in directives["script-src"]
        assert directives["default-src"] == ["'self'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
