"""The web UI: server-rendered views, templates, forms and static assets over the same services."""
