"""The hook reference documents every hook: this test fails when one is missing."""

from __future__ import annotations

import inspect
from pathlib import Path

from salonkit.plugins import hookspecs

REFERENCE = Path(__file__).resolve().parents[3] / "docs" / "reference" / "plugin-hooks.rst"


def hook_names() -> list[str]:
    return [
        name
        for name, value in inspect.getmembers(hookspecs, inspect.isfunction)
        if name.startswith("salonkit_") and hasattr(value, "salonkit_spec")
    ]


def test_every_hook_has_a_section_and_an_autodoc_entry() -> None:
    lines = REFERENCE.read_text().splitlines()
    names = hook_names()
    assert len(names) >= 4
    for name in names:
        index = lines.index(name) if name in lines else -1
        assert index >= 0, f"{name} has no section in {REFERENCE.name}"
        assert set(lines[index + 1]) == {"-"}, f"{name} is not a section title"
        assert f".. autofunction:: salonkit.plugins.hookspecs.{name}" in lines


def test_every_hook_says_when_it_is_called() -> None:
    for name in hook_names():
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert "Called" in doc, f"{name}'s docstring does not say when it is called"
