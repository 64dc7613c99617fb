"""The Celery app, routing, thin tasks and the beat schedule."""
