"""DRF wiring shared by the apps: authentication, the exception handler, the router."""
