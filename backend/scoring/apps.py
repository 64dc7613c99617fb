from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "backend.scoring"
    label = "scoring"
    verbose_name = "Panel scoring"
