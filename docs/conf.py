"""Sphinx configuration for salonkit's documentation (built with warnings as errors)."""

from __future__ import annotations

import glob
import logging
from importlib.metadata import version as _version

# Alembic logs its plugin set-up at INFO when autodoc imports the migration module.
logging.getLogger("alembic").setLevel(logging.WARNING)

project = "salonkit"
author = "The salonkit developers"
copyright = "2026, The salonkit developers"
release = _version("salonkit")
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
]

# Intersphinx without a network: use the Python inventory Debian's python3.11-doc package installs
# (.ci/run installs it); where it is missing, cross-references to Python stay plain text.
_python_inventory = sorted(glob.glob("/usr/share/doc/python3*/html/objects.inv"))
intersphinx_mapping = (
    {"python": ("https://docs.python.org/3", _python_inventory[-1])} if _python_inventory else {}
)
intersphinx_disabled_reftypes = ["*"] if not _python_inventory else []

autodoc_default_options = {"members": True, "show-inheritance": True, "member-order": "bysource"}
autodoc_typehints = "description"
autodoc_inherit_docstrings = False
autodoc_typehints_format = "short"
autodoc_type_aliases: dict[str, str] = {}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
nitpicky = False

html_theme = "furo"
html_title = f"salonkit {release}"
exclude_patterns = ["_build", "conftest.py", "**/README.md"]
suppress_warnings = ["ref.python"]

# -- API reference, generated from the package tree --------------------------------------------
# One page per top-level package or module of salonkit, listing every module in it, so a new
# module is documented without editing a list. The pages are written before Sphinx reads sources.

_SKIP = ("__main__", "migrations", "conftest")


def _write_api_pages(app: object) -> None:
    import pkgutil
    from pathlib import Path

    import salonkit

    out = Path(__file__).parent / "reference" / "api"
    out.mkdir(parents=True, exist_ok=True)
    groups: dict[str, list[tuple[str, bool]]] = {}
    for info in pkgutil.walk_packages(salonkit.__path__, "salonkit."):
        if any(part in _SKIP for part in info.name.split(".")):
            continue
        top = info.name.split(".")[1]
        groups.setdefault(top, []).append((info.name, info.ispkg))
    wanted = set()
    for top, modules in sorted(groups.items()):
        name = f"{top}.rst"
        wanted.add(name)
        title = f"salonkit.{top}"
        lines = [title, "=" * len(title), ""]
        for module, is_package in sorted(modules):
            # a package's own page shows its docstring; its names are documented in their modules
            lines += (
                [f".. automodule:: {module}"] + (["   :no-members:"] if is_package else []) + [""]
            )
        text = "\n".join(lines)
        page = out / name
        if not page.exists() or page.read_text() != text:
            page.write_text(text)
    for stale in out.glob("*.rst"):
        if stale.name not in wanted:
            stale.unlink()


def setup(app: object) -> None:
    app.connect("builder-inited", _write_api_pages)  # type: ignore[attr-defined]
