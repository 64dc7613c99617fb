"""Plain Django forms for the web UI: they parse what people type; services decide."""
