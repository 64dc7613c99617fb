"""``python -m backend.tally``: the ``fairfund-tally`` command."""

from .cli import command

command()
