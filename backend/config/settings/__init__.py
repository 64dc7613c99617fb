"""Settings per environment: base, demo, test, production."""
