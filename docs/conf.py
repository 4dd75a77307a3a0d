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
