"""``python -m salonkit``: the same as the ``salonkit`` command."""

from salonkit.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
