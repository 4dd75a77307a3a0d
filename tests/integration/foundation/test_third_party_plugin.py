"""A plugin shipped as its own distribution is found through its entry point and used."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import salonkit
from salonkit.testing.packaging import install_distribution

PLUGIN_MODULE = '''
"""A third-party salonkit plugin: a storage scheme, an SMS notifier and an event listener."""
import salonkit
from salonkit.adapters.memory import MemoryBackend

SEEN = []


class PigeonNotifier:
    def send(self, message):
        SEEN.append(("sent", message.to))
        return "pigeon-1"


@salonkit.hookimpl
def salonkit_register_storage(register):
    register("pigeonhole", lambda url: MemoryBackend(url))


@salonkit.hookimpl
def salonkit_register_notifiers(register):
    register("sms", PigeonNotifier())


@salonkit.hookimpl
def salonkit_on_event(event):
    SEEN.append(("event", event.name))
'''


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the plugin as a wheel and install it into a private target directory."""
    root = tmp_path_factory.mktemp("plugin")
    project = root / "salonkit-pigeon"
    (project / "salonkit_pigeon").mkdir(parents=True)
    (project / "salonkit_pigeon" / "__init__.py").write_text(PLUGIN_MODULE)
    (project / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [build-system]
            requires = ["setuptools>=61"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "salonkit-pigeon"
            version = "1.0"
            dependencies = []

            [project.entry-points.salonkit]
            pigeon = "salonkit_pigeon"
            """
        )
    )
    return install_distribution(project, root / "build")


def test_installed_plugin_is_discovered_and_its_hooks_are_called(
    installed_plugin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(installed_plugin))
    salon = salonkit.Salon.open("pigeonhole://loft")
    import salonkit_pigeon  # type: ignore[import-not-found]

    assert salon.plugin_manager.get_plugin("pigeon") is salonkit_pigeon
    assert salon.backend.url == "pigeonhole://loft"
    assert (
        salon.notifiers["sms"].send(
            salonkit.plugins.Message(key="k", channel="sms", to="+44", body="hi")
        )
        == "pigeon-1"
    )
    salon.customers.register("Mei")
    assert ("event", "CustomerRegistered") in salonkit_pigeon.SEEN
    assert ("sent", "+44") in salonkit_pigeon.SEEN


def test_plugins_can_be_allowed_or_blocked_by_name(
    installed_plugin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(installed_plugin))
    monkeypatch.setenv("SALONKIT_DISABLE_PLUGINS", "pigeon")
    with pytest.raises(salonkit.PluginError, match="pigeonhole"):
        salonkit.Salon.open("pigeonhole://loft")
    monkeypatch.delenv("SALONKIT_DISABLE_PLUGINS")
    monkeypatch.setenv("SALONKIT_PLUGINS", "someone-else")
    pm = salonkit.get_plugin_manager()
    assert pm.get_plugin("pigeon") is None
    monkeypatch.setenv("SALONKIT_PLUGINS", "pigeon")
    assert salonkit.get_plugin_manager().get_plugin("pigeon") is not None
