"""Fakes and contract test suites for hosts and plugin authors.

- :class:`FrozenClock`, :class:`SequentialIds`: deterministic clock and ids.
- :func:`memory_context`: a service :class:`~salonkit.context.Context` over the memory backend.
- :class:`RecordingNotifier`, :class:`RecordingPrinter`, :class:`RecordingListener`: plugins that
  remember what they were given.
- :mod:`salonkit.testing.storage_contract`, :mod:`salonkit.testing.notifier_contract`,
  :mod:`salonkit.testing.printer_contract`: the abstract test suites a storage backend, notifier
  or printer plugin must pass (subclass one in your plugin's tests and provide its fixture).
- :func:`salonkit.testing.packaging.install_distribution`: build and install a plugin package
  into a temporary folder, to test that its entry point is found.
- :func:`salonkit.testing.databases.fresh_postgres_database`: a throw-away PostgreSQL database.
"""

from salonkit.testing.fakes import (
    FrozenClock,
    RecordingListener,
    RecordingNotifier,
    RecordingPrinter,
    SequentialIds,
    memory_context,
)

__all__ = [
    "FrozenClock",
    "RecordingListener",
    "RecordingNotifier",
    "RecordingPrinter",
    "SequentialIds",
    "memory_context",
]
