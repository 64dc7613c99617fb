"""API v1 routes: one class per operation, from each app's apis.py."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
