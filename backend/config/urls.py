"""URLs: the web UI, allauth, the API and its schema and docs, health, admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from backend.api.docs import ApiDocsView
from backend.api.health import health

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("backend.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    # The web UI is a separate package that imports backend; named here by string only.
    path("", include("frontend.urls")),
]
