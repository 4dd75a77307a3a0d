"""``python -m salonkit.cli``: the same as the ``salonkit`` command."""

from salonkit.cli import main

raise SystemExit(main())
