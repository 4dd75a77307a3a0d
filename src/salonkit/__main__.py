"""``python -m salonkit``: the same as the ``salonkit`` command."""

from salonkit.cli import main

raise SystemExit(main())
