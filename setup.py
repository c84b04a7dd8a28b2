"""Builds the web UI into the package when it is installed from a source checkout.

``pip install .`` must give a working ``headway ui`` with no manual step, so building the
package runs ``npm install`` (versions pinned by the lock file) and ``npm run build`` in
``web/``; Node and npm are needed at install time only. ``make install`` builds the UI
itself for the editable install. (``npm ci`` is not used: npm 11 writes lock files that
omit other platforms' optional packages, and ``npm ci`` then refuses them.)
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).parent
WEB = ROOT / "web"
BUILT = ROOT / "src" / "headway" / "server" / "static" / "index.html"


class BuildWithUI(build_py):
    def run(self) -> None:
        # An editable install (make install) leaves the build to the Makefile.
        editable = getattr(self, "editable_mode", False)
        if not editable and (WEB / "package.json").is_file() and not BUILT.is_file():
            npm = shutil.which("npm")
            if npm is None:
                raise SystemExit("building Headway's web UI needs npm (Node.js 20.19 or newer)")
            subprocess.run([npm, "install", "--no-audit", "--no-fund"], cwd=WEB, check=True)
            subprocess.run([npm, "run", "build"], cwd=WEB, check=True)
        super().run()


setup(cmdclass={"build_py": BuildWithUI})
