"""URLs of the panel scoring pages: conflicts, sheets, the chair's dashboard and the shortlist."""

from django.urls import URLPattern, path

from .views import scoring

urlpatterns: list[URLPattern] = [
    path("funds/<int:fund_id>/scoring/", scoring.scoring_home, name="scoring_home"),
    path(
        "funds/<int:fund_id>/scoring/dashboard/",
        scoring.scoring_dashboard,
        name="scoring_dashboard",
    ),
    path(
        "funds/<int:fund_id>/scoring/settings/",
        scoring.scoring_settings,
        name="scoring_settings",
    ),
    path(
        "funds/<int:fund_id>/scoring/matrix.csv",
        scoring.scoring_matrix,
        name="scoring_matrix_csv",
    ),
    path("bids/<int:bid_id>/declare/", scoring.bid_declare, name="bid_declare"),
    path("bids/<int:bid_id>/score/", scoring.bid_score, name="bid_score"),
    path("bids/<int:bid_id>/moderate/", scoring.bid_moderate, name="bid_moderate"),
    path("sheets/<int:sheet_id>/reopen/", scoring.sheet_reopen_view, name="sheet_reopen"),
    path(
        "conflicts/<int:declaration_id>/review/",
        scoring.conflict_review_view,
        name="conflict_review",
    ),
    path("funds/<int:fund_id>/shortlist/", scoring.shortlist_page, name="shortlist"),
    path(
        "funds/<int:fund_id>/shortlist/confirm/",
        scoring.shortlist_confirm_view,
        name="shortlist_confirm",
    ),
    path(
        "funds/<int:fund_id>/shortlist/<int:bid_id>/",
        scoring.shortlist_entry,
        name="shortlist_entry",
    ),
]
