"""Fakes and contract test suites for hosts and plugin authors.

- :class:`FrozenClock`, :class:`SequentialIds`: deterministic clock and ids.
- :func:`memory_context`: a service :class:`~salonkit.context.Context` over the memory backend.
- :class:`RecordingNotifier`, :class:`RecordingPrinter`, :class:`RecordingListener`: plugins that
  remember what they were given.
- :mod:`salonkit.testing.storage_contract`: ``StorageContract``, the abstract test suite a storage
  backend must pass (subclass it in your plugin's tests and provide a ``backend`` fixture).
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
