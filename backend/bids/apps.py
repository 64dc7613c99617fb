from django.apps import AppConfig


class BidsConfig(AppConfig):
    name = "backend.bids"
    label = "bids"
    verbose_name = "Bids"
