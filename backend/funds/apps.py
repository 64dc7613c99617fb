from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "backend.funds"
    label = "funds"
    verbose_name = "Councils, panels and funds"
