"""API v1 routes: one class per operation, from each app's apis.py.

Where one URL carries several operations, a MethodRoute hands each method to its own class.
"""

from django.urls import URLPattern, URLResolver, path

from backend.accounts import apis as accounts
from backend.bids import apis as bids
from backend.funds import apis as funds
from backend.scoring import apis as scoring

from .routing import MethodRoute

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/", accounts.MeApi.as_view(), name="api-me"),
    # API tokens
    path(
        "tokens/",
        MethodRoute(get=accounts.ApiTokenListApi, post=accounts.ApiTokenIssueApi),
        name="api-tokens",
    ),
    path("tokens/<int:token_id>/", accounts.ApiTokenRevokeApi.as_view(), name="api-token"),
    # Organisations
    path(
        "organisations/",
        MethodRoute(get=accounts.OrganisationListApi, post=accounts.OrganisationCreateApi),
        name="api-organisations",
    ),
    path(
        "organisations/invitations/accept/",
        accounts.OrganisationInvitationAcceptApi.as_view(),
        name="api-organisation-invitation-accept",
    ),
    path(
        "organisations/<int:organisation_id>/",
        MethodRoute(
            get=accounts.OrganisationDetailApi,
            put=accounts.OrganisationUpdateApi,
            patch=accounts.OrganisationUpdateApi,
        ),
        name="api-organisation",
    ),
    path(
        "organisations/<int:organisation_id>/invitations/",
        accounts.OrganisationInviteApi.as_view(),
        name="api-organisation-invitations",
    ),
    path(
        "organisations/<int:organisation_id>/members/<int:user_id>/",
        accounts.OrganisationMemberRemoveApi.as_view(),
        name="api-organisation-member",
    ),
    # Councils, localities and panels
    path("councils/", funds.CouncilListApi.as_view(), name="api-councils"),
    path("councils/<int:council_id>/", funds.CouncilDetailApi.as_view(), name="api-council"),
    path(
        "councils/<int:council_id>/localities/",
        MethodRoute(get=funds.LocalityListApi, post=funds.LocalityCreateApi),
        name="api-council-localities",
    ),
    path(
        "councils/<int:council_id>/panels/",
        MethodRoute(get=funds.PanelListApi, post=funds.PanelCreateApi),
        name="api-council-panels",
    ),
    path(
        "panels/<int:panel_id>/",
        MethodRoute(get=funds.PanelDetailApi, patch=funds.PanelUpdateApi),
        name="api-panel",
    ),
    path(
        "panels/<int:panel_id>/members/",
        funds.PanelMemberListApi.as_view(),
        name="api-panel-members",
    ),
    # Funds
    path(
        "funds/",
        MethodRoute(get=funds.FundListApi, post=funds.FundCreateApi),
        name="api-funds",
    ),
    path("funds/open/", funds.FundOpenListApi.as_view(), name="api-funds-open"),
    path(
        "funds/<int:fund_id>/public-bids/",
        bids.FundPublicBidsApi.as_view(),
        name="api-fund-public-bids",
    ),
    path("funds/<int:fund_id>/", funds.FundDetailApi.as_view(), name="api-fund"),
    path("funds/<int:fund_id>/budget/", funds.FundBudgetSetApi.as_view(), name="api-fund-budget"),
    path(
        "funds/<int:fund_id>/population/",
        funds.FundPopulationSetApi.as_view(),
        name="api-fund-population",
    ),
    path(
        "funds/<int:fund_id>/checklist/",
        funds.FundChecklistSetApi.as_view(),
        name="api-fund-checklist",
    ),
    path("funds/<int:fund_id>/rubric/", funds.FundRubricSetApi.as_view(), name="api-fund-rubric"),
    path(
        "funds/<int:fund_id>/rubric/defaults/",
        funds.FundRubricDefaultsApi.as_view(),
        name="api-fund-rubric-defaults",
    ),
    path(
        "funds/<int:fund_id>/timeline/",
        funds.FundTimelineSetApi.as_view(),
        name="api-fund-timeline",
    ),
    path("funds/<int:fund_id>/rule/", funds.FundRuleSetApi.as_view(), name="api-fund-rule"),
    path("funds/<int:fund_id>/ready/", funds.FundMarkReadyApi.as_view(), name="api-fund-ready"),
    path(
        "funds/<int:fund_id>/transitions/",
        funds.FundTransitionApi.as_view(),
        name="api-fund-transitions",
    ),
    # Bids
    path("bids/", MethodRoute(get=bids.BidListApi, post=bids.BidCreateApi), name="api-bids"),
    path(
        "bids/<int:bid_id>/",
        MethodRoute(get=bids.BidDetailApi, patch=bids.BidUpdateApi),
        name="api-bid",
    ),
    path("bids/<int:bid_id>/budget/", bids.BidBudgetSetApi.as_view(), name="api-bid-budget"),
    path(
        "bids/<int:bid_id>/attachments/",
        MethodRoute(get=bids.BidAttachmentListApi, post=bids.BidAttachmentUploadApi),
        name="api-bid-attachments",
    ),
    path(
        "bids/<int:bid_id>/attachments/<int:attachment_id>/",
        bids.BidAttachmentRemoveApi.as_view(),
        name="api-bid-attachment",
    ),
    path(
        "bids/<int:bid_id>/attachments/<int:attachment_id>/content/",
        bids.BidAttachmentDownloadApi.as_view(),
        name="api-bid-attachment-content",
    ),
    path(
        "bids/<int:bid_id>/declarations/",
        bids.BidDeclarationsSetApi.as_view(),
        name="api-bid-declarations",
    ),
    path("bids/<int:bid_id>/submit/", bids.BidSubmitApi.as_view(), name="api-bid-submit"),
    path("bids/<int:bid_id>/withdraw/", bids.BidWithdrawApi.as_view(), name="api-bid-withdraw"),
    # Screening
    path(
        "funds/<int:fund_id>/screening-queue/",
        bids.ScreeningQueueApi.as_view(),
        name="api-fund-screening-queue",
    ),
    path(
        "bids/<int:bid_id>/screening/",
        bids.ScreeningDetailApi.as_view(),
        name="api-bid-screening",
    ),
    path(
        "bids/<int:bid_id>/screening/items/<int:item_id>/",
        bids.ScreeningItemRecordApi.as_view(),
        name="api-bid-screening-item",
    ),
    path(
        "bids/<int:bid_id>/screening/decision/",
        bids.ScreeningDecisionApi.as_view(),
        name="api-bid-screening-decision",
    ),
    # Panel scoring
    path(
        "funds/<int:fund_id>/conflicts/",
        scoring.ConflictRegisterApi.as_view(),
        name="api-fund-conflicts",
    ),
    path(
        "funds/<int:fund_id>/conflicts/mine/",
        scoring.ConflictMineApi.as_view(),
        name="api-fund-conflicts-mine",
    ),
    path(
        "bids/<int:bid_id>/conflict/", scoring.ConflictDeclareApi.as_view(), name="api-bid-conflict"
    ),
    path(
        "conflicts/<int:declaration_id>/review/",
        scoring.ConflictReviewApi.as_view(),
        name="api-conflict-review",
    ),
    path(
        "funds/<int:fund_id>/scoring-settings/",
        MethodRoute(get=scoring.ScoringSettingsDetailApi, put=scoring.ScoringSettingsSetApi),
        name="api-fund-scoring-settings",
    ),
    path(
        "bids/<int:bid_id>/scoring/",
        MethodRoute(get=scoring.ScoringPageApi, put=scoring.SheetSaveApi),
        name="api-bid-scoring",
    ),
    path(
        "bids/<int:bid_id>/scoring/submit/",
        scoring.SheetSubmitApi.as_view(),
        name="api-bid-scoring-submit",
    ),
    path(
        "sheets/<int:sheet_id>/reopen/", scoring.SheetReopenApi.as_view(), name="api-sheet-reopen"
    ),
    path(
        "bids/<int:bid_id>/moderation/",
        scoring.ModerationRecordApi.as_view(),
        name="api-bid-moderation",
    ),
    path("funds/<int:fund_id>/scores/", scoring.FundScoresApi.as_view(), name="api-fund-scores"),
    path(
        "funds/<int:fund_id>/scoring-progress/",
        scoring.ScoringProgressApi.as_view(),
        name="api-fund-scoring-progress",
    ),
    path(
        "funds/<int:fund_id>/scoring-matrix.csv",
        scoring.ScoringMatrixApi.as_view(),
        name="api-fund-scoring-matrix",
    ),
    path(
        "funds/<int:fund_id>/shortlist/",
        MethodRoute(get=scoring.ShortlistDetailApi, post=scoring.ShortlistProposeApi),
        name="api-fund-shortlist",
    ),
    path(
        "funds/<int:fund_id>/shortlist/entries/<int:bid_id>/",
        scoring.ShortlistEntrySetApi.as_view(),
        name="api-fund-shortlist-entry",
    ),
    path(
        "funds/<int:fund_id>/shortlist/confirm/",
        scoring.ShortlistConfirmApi.as_view(),
        name="api-fund-shortlist-confirm",
    ),
    # Roles and MFA resets
    path("role-grants/", accounts.RoleGrantCreateApi.as_view(), name="api-role-grants"),
    path(
        "role-grants/<int:grant_id>/revoke/",
        accounts.RoleGrantRevokeApi.as_view(),
        name="api-role-grant-revoke",
    ),
    path("users/<int:user_id>/mfa-reset/", accounts.MfaResetApi.as_view(), name="api-mfa-reset"),
]
