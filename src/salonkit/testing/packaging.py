"""Installing a plugin distribution for a test, the way a user's ``pip install`` would."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def install_distribution(project: Path, workdir: Path) -> Path:
    """Build the distribution in ``project`` and install it into a new folder under ``workdir``.

    The project is copied first, so the build leaves nothing in its source tree; it is installed
    without dependencies, build isolation or an index (the running environment provides the
    build backend). Returns the folder to put on ``sys.path`` (for example with
    ``monkeypatch.syspath_prepend``), where its entry points are then found.
    """
    source = workdir / project.name
    shutil.copytree(
        project, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )
    target = workdir / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        cwd=workdir,
    )
    return target
