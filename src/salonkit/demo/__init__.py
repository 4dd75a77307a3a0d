"""The demo: a realistic salon seeded into a database, then run through a day.

``salonkit demo`` calls :func:`run`; hosts and tests can call :func:`seed` on their own salon.
"""

from salonkit.demo.run import run
from salonkit.demo.seed import seed

__all__ = ["run", "seed"]
