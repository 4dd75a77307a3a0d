"""The plugin system (pluggy): hook specifications and the plugin manager."""

from salonkit.plugins.hookspecs import Message, Notifier, Printer, PrintJob, hookimpl, hookspec
from salonkit.plugins.manager import ENTRY_POINT_GROUP, get_plugin_manager

__all__ = [
    "ENTRY_POINT_GROUP",
    "Message",
    "Notifier",
    "PrintJob",
    "Printer",
    "get_plugin_manager",
    "hookimpl",
    "hookspec",
]
