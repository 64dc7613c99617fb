"""The notification outbox: rows written with their cause, delivered by the worker, never lost."""
