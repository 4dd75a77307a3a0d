"""Building the plugin manager: built-ins first, then third-party plugins from entry points."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from importlib.metadata import entry_points

import pluggy

from salonkit.errors import PluginError
from salonkit.plugins import hookspecs

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "salonkit"

#: Built-in plugins, registered under these names (block them like any other plugin).
BUILTIN_PLUGINS: tuple[tuple[str, str], ...] = (
    ("salonkit.storage", "salonkit.adapters.storage_plugin"),
    ("salonkit.console", "salonkit.adapters.console"),
)


def _names(value: str | None) -> set[str]:
    return {n.strip() for n in (value or "").split(",") if n.strip()}


def get_plugin_manager(
    load_entrypoints: bool = True,
    allow: Iterable[str] | None = None,
    block: Iterable[str] = (),
    plugins: Iterable[object] = (),
) -> pluggy.PluginManager:
    """A new plugin manager with salonkit's hooks, the built-in adapters and installed plugins.

    - ``load_entrypoints``: load third-party plugins from the ``salonkit`` entry-point group.
    - ``allow``: if given, only entry points with these names are loaded. The environment
      variable ``SALONKIT_PLUGINS`` (comma-separated) adds to it.
    - ``block``: plugin names never registered, built-ins included (``"salonkit.console"``).
      ``SALONKIT_DISABLE_PLUGINS`` adds to it.
    - ``plugins``: extra plugin objects registered directly (hosts and tests).

    Every call builds a fresh manager; there is no global one.
    """
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    blocked = set(block) | _names(os.environ.get("SALONKIT_DISABLE_PLUGINS"))
    allowed = (
        None
        if allow is None and not os.environ.get("SALONKIT_PLUGINS")
        else (set(allow or ()) | _names(os.environ.get("SALONKIT_PLUGINS")))
    )
    for name in blocked:
        pm.set_blocked(name)
    for name, module_name in BUILTIN_PLUGINS:
        if name not in blocked:
            module = __import__(module_name, fromlist=["_"])
            pm.register(module, name=name)
    if load_entrypoints:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in blocked or (allowed is not None and ep.name not in allowed):
                log.info("plugin %s not loaded (blocked or not allowed)", ep.name)
                continue
            if pm.get_plugin(ep.name) is not None:
                continue
            try:
                plugin = ep.load()
            except Exception as exc:
                raise PluginError(f"plugin {ep.name!r} ({ep.value}) failed to load: {exc}") from exc
            if pm.is_registered(plugin):
                continue
            pm.register(plugin, name=ep.name)
            log.info("loaded plugin %s from %s", ep.name, ep.value)
    for plugin in plugins:
        pm.register(plugin)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(str(exc)) from exc
    return pm
