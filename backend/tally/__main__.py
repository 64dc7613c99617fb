"""``python -m backend.tally``: the ``fairfund-tally`` command."""

import sys

from .cli import main

sys.exit(main())
