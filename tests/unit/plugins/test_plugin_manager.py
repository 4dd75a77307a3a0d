from __future__ import annotations

import pytest

import salonkit
from salonkit import PluginError
from salonkit.domain.customer import Customer
from salonkit.plugins import get_plugin_manager
from salonkit.plugins.hookspecs import Message, PrintJob
from salonkit.testing import FrozenClock, RecordingListener, RecordingNotifier, RecordingPrinter


def test_each_call_builds_a_fresh_manager_with_the_builtins() -> None:
    first, second = (
        get_plugin_manager(load_entrypoints=False),
        get_plugin_manager(load_entrypoints=False),
    )
    assert first is not second
    assert {name for name, _ in first.list_name_plugin()} >= {
        "salonkit.storage",
        "salonkit.console",
    }


def test_blocking_a_builtin_by_argument_and_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    pm = get_plugin_manager(load_entrypoints=False, block=["salonkit.console"])
    assert pm.get_plugin("salonkit.console") is None
    monkeypatch.setenv("SALONKIT_DISABLE_PLUGINS", "salonkit.console, other")
    salon = salonkit.Salon.open("memory://", load_entrypoints=False)
    assert "console" not in salon.notifiers


def test_a_plugin_with_a_misspelt_hook_is_refused() -> None:
    class Broken:
        @salonkit.hookimpl
        def salonkit_on_evnet(self, event: object) -> None:  # misspelt on purpose
            pass

    with pytest.raises(PluginError, match="salonkit_on_evnet"):
        get_plugin_manager(load_entrypoints=False, plugins=[Broken()])


def test_unknown_url_scheme_names_the_installed_backends() -> None:
    with pytest.raises(PluginError, match="memory, postgres, postgresql, sqlite"):
        salonkit.Salon.open("mysql://localhost/salon", load_entrypoints=False)


def test_registered_plugins_provide_notifiers_printers_and_hear_events() -> None:
    listener, notifier, printer = RecordingListener(), RecordingNotifier(), RecordingPrinter("till")
    salon = salonkit.Salon.open(
        "memory://", clock=FrozenClock(), plugins=[listener, notifier, printer]
    )
    assert salon.notifiers["sms"] is notifier
    assert salon.printers["till"] is printer
    salon.customers.register("Mei")
    assert listener.names() == ["CustomerRegistered"]
    salon.notifiers["sms"].send(Message(key="m1", channel="sms", to="+86", body="hi"))
    salon.printers["till"].print(PrintJob(kind="receipt", text="thanks"))
    assert [m.key for m in notifier.sent] == ["m1"]
    assert [j.text for j in printer.jobs] == ["thanks"]


def test_a_failing_listener_does_not_undo_the_commit(caplog: pytest.LogCaptureFixture) -> None:
    class Exploding:
        @salonkit.hookimpl
        def salonkit_on_event(self, event: object) -> None:
            raise RuntimeError("listener bug")

    salon = salonkit.Salon.open("memory://", plugins=[Exploding()], load_entrypoints=False)
    customer = salon.customers.register("Mei")
    assert salon.customers.get(customer.id) == customer
    assert "listener failed" in caplog.text


def test_console_adapters_write_to_their_stream() -> None:
    import io

    from salonkit.adapters.console import ConsoleNotifier, ConsolePrinter

    out = io.StringIO()
    ConsoleNotifier(out).send(
        Message(key="k", channel="console", to="Mei", body="See you at 10:00")
    )
    ConsolePrinter(out).print(PrintJob(kind="receipt", text="Total 80.00 CNY"))
    assert "[console → Mei] See you at 10:00" in out.getvalue()
    assert "Total 80.00 CNY" in out.getvalue()


def test_customer_record_type_is_exported_for_hosts() -> None:
    assert Customer(id="c", name="A").version == 0
