"""URLs of the bids pages."""

from django.urls import URLPattern, path

from .views import bids

urlpatterns: list[URLPattern] = [
    path("bids/", bids.bid_list, name="bid_list"),
    path("funds/<int:fund_id>/bids/new/", bids.bid_new, name="bid_new"),
    path("funds/<int:fund_id>/bids/", bids.fund_public_bids, name="fund_public_bids"),
    path("bids/<int:bid_id>/", bids.bid_detail, name="bid_detail"),
    path("bids/<int:bid_id>/edit/<str:section>/", bids.bid_section, name="bid_section"),
    path("bids/<int:bid_id>/attachments/", bids.bid_attachments, name="bid_attachments"),
    path(
        "bids/<int:bid_id>/attachments/<int:attachment_id>/",
        bids.bid_attachment,
        name="bid_attachment",
    ),
    path(
        "bids/<int:bid_id>/attachments/<int:attachment_id>/remove/",
        bids.bid_attachment_remove,
        name="bid_attachment_remove",
    ),
    path("bids/<int:bid_id>/submit/", bids.bid_submit_view, name="bid_submit"),
    path("bids/<int:bid_id>/submitted/", bids.bid_submitted, name="bid_submitted"),
    path("bids/<int:bid_id>/withdraw/", bids.bid_withdraw_view, name="bid_withdraw"),
]
