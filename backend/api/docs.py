"""The API docs page (Swagger UI) under the site's strict Content Security Policy.

Swagger UI's assets come from drf-spectacular-sidecar as our own static files (no CDN), its
start-up script is a separate file served by this view (``?script``), and its one inline style
carries the request's CSP nonce: the page needs no 'unsafe-inline'.
"""

from __future__ import annotations

from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
