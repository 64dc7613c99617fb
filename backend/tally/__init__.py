"""The tally engine: pure Python, no Django, runnable by auditors without the server.

Rules arrive with the tally issue; import-linter already keeps this package free of Django.
"""
