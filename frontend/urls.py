from django.urls import include, path

from .views import account, councils, funds, home, notifications, organisations, panels, tokens

urlpatterns = [
    path("", home.home, name="home"),
    path("account/", account.account, name="account"),
    path("account/tokens/", tokens.token_list, name="tokens"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path(
        "notifications/<int:notification_id>/read/",
        notifications.notification_read,
        name="notification_read",
    ),
    path("account/tokens/<int:token_id>/revoke/", tokens.token_revoke, name="token_revoke"),
    # Organisations
    path("organisations/", organisations.organisation_list, name="organisations"),
    path("organisations/new/", organisations.organisation_new, name="organisation_new"),
    path(
        "organisations/invitations/<str:token>/",
        organisations.organisation_invitation_accept_view,
        name="organisation_invitation_accept",
    ),
    path(
        "organisations/<int:organisation_id>/",
        organisations.organisation_detail,
        name="organisation_detail",
    ),
    path(
        "organisations/<int:organisation_id>/edit/",
        organisations.organisation_edit,
        name="organisation_edit",
    ),
    path(
        "organisations/<int:organisation_id>/invite/",
        organisations.organisation_invite_view,
        name="organisation_invite",
    ),
    path(
        "organisations/<int:organisation_id>/members/<int:user_id>/remove/",
        organisations.organisation_member_remove_view,
        name="organisation_member_remove",
    ),
    # Councils, for their officers and auditors
    path("councils/", councils.council_list, name="council_list"),
    path("councils/<int:council_id>/", councils.council_detail, name="council_detail"),
    path("councils/<int:council_id>/localities/new/", councils.locality_new, name="locality_new"),
    path("councils/<int:council_id>/panels/new/", councils.panel_new, name="panel_new"),
    path(
        "councils/<int:council_id>/roles/add/", councils.council_role_add, name="council_role_add"
    ),
    path(
        "councils/<int:council_id>/people/<int:user_id>/reset-mfa/",
        councils.person_mfa_reset,
        name="person_mfa_reset",
    ),
    path("grants/<int:grant_id>/revoke/", councils.grant_revoke, name="grant_revoke"),
    # Funds
    path("funds/", funds.fund_list, name="fund_list"),
    path("funds/open/", funds.fund_open_list, name="fund_open_list"),
    path("councils/<int:council_id>/funds/new/", funds.fund_new, name="fund_new"),
    path("funds/<int:fund_id>/", funds.fund_detail, name="fund_detail"),
    path("funds/<int:fund_id>/budget/", funds.fund_budget, name="fund_budget"),
    path("funds/<int:fund_id>/timeline/", funds.fund_timeline, name="fund_timeline"),
    path("funds/<int:fund_id>/rule/", funds.fund_rule, name="fund_rule"),
    path("funds/<int:fund_id>/population/", funds.fund_population, name="fund_population"),
    path("funds/<int:fund_id>/checklist/", funds.fund_checklist, name="fund_checklist"),
    path("funds/<int:fund_id>/rubric/", funds.fund_rubric, name="fund_rubric"),
    path(
        "funds/<int:fund_id>/rubric/defaults/",
        funds.fund_rubric_defaults,
        name="fund_rubric_defaults",
    ),
    path("funds/<int:fund_id>/ready/<str:part>/", funds.fund_ready, name="fund_ready"),
    path("funds/<int:fund_id>/phase/", funds.fund_move, name="fund_move"),
    # Panels
    path("panels/", panels.panel_list, name="panel_list"),
    path("panels/<int:panel_id>/", panels.panel_detail, name="panel_detail"),
    path("panels/<int:panel_id>/edit/", panels.panel_edit, name="panel_edit"),
    path("panels/<int:panel_id>/members/add/", panels.panel_member_add, name="panel_member_add"),
    # Bids (applicants) and screening (officers), each in its own module
    path("", include("frontend.urls_bids")),
    path("", include("frontend.urls_screening")),
    path("", include("frontend.urls_scoring")),
]
