"""URLs of the screening pages."""

from django.urls import URLPattern, path

from .views import screening

urlpatterns: list[URLPattern] = [
    path(
        "funds/<int:fund_id>/screening/",
        screening.fund_screening_queue,
        name="screening_queue",
    ),
    path("bids/<int:bid_id>/screening/", screening.bid_screening, name="bid_screening"),
    path(
        "bids/<int:bid_id>/screening/decision/",
        screening.bid_screening_decision,
        name="bid_screening_decision",
    ),
]
