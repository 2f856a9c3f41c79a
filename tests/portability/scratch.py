"""A scratch project for one unit: `django-admin startproject`, the unit's folder copied
in, the settings lines its docs give appended, nothing else of this repository.

The settings lines are read from the unit's doc (the first ```python block under its
"Use it in your project" heading), so the docs say exactly what this test does.
"""

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests import forkserver
from tests.processes import BASE_DIR

# Plumbing every scratch project gets, not part of any unit: this test run's
# PostgreSQL, and no ALLOWED_HOSTS surprise for the test client.
PRELUDE = """
import os
import dj_database_url
DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
ALLOWED_HOSTS = ["testserver"]
"""


def documented_blocks(doc: str) -> list[str]:
    """The python blocks after the doc's "Use it in your project" heading: the first
    is its settings lines, a second (if any) its root URLconf."""
    text = (BASE_DIR / "docs" / doc).read_text()
    section = re.split(r"^#+ Use it in your project$", text, flags=re.M)[1]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def documented_settings(doc: str) -> str:
    return documented_blocks(doc)[0]


@dataclass
class Scratch:
    root: Path
    env: dict[str, str]

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def run(self, *args: str) -> subprocess.CompletedProcess:
        # A fresh interpreter: each scratch project has a HOME of its own, which a
        # fork server would have to start for (tests/forkserver.py).
        result = forkserver.fresh(list(args), self.env, self.root, 120)
        assert result.returncode == 0, result.stderr
        return result

    def manage(self, *args: str) -> str:
        return self.run("manage.py", *args).stdout

    def script(self, code: str) -> dict:
        """Run `code` with Django set up; it prints one JSON object as its last line."""
        setup = "import django\ndjango.setup()\n"
        return json.loads(self.run("-c", setup + code).stdout.strip().splitlines()[-1])


def scratch_project(
    tmp_path: Path,
    unit: str,
    doc: str,
    env: dict[str, str],
    apps: dict[str, str] = {},  # noqa: B006
    at: str | None = None,
    leave_out: tuple[str, ...] = ("tour.py", "tour"),
) -> Scratch:
    """A project with `unit` (a folder of this repo, e.g. "config/media") copied in at
    the same path (or at `at`, another package name its doc allows) without the
    modules its doc says to leave out (`leave_out`: every unit's tour.py and
    templates/tour/ are this site's page), `apps` (name -> models.py source) as
    apps of its own, and the doc's settings lines appended to its settings."""
    root = tmp_path / "scratch"
    root.mkdir()
    # The interpreter's variables from `env`, but not this repository on PYTHONPATH,
    # nor the real HOME (the app folder on Heroku CI; a developer's ~/.aws).
    clean = {k: v for k, v in env.items() if k != "PYTHONPATH"}
    clean.update(HOME=str(tmp_path), LANG="C.UTF-8")
    clean["DJANGO_SETTINGS_MODULE"] = "site_config.settings"
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", "site_config", str(root)],
        check=True,
        env=clean,
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )
    scratch = Scratch(root, clean)
    # The unit, at its own package path or `at`; its parent packages are empty.
    parts = Path(at or unit).parts
    for depth in range(1, len(parts)):
        scratch.write(str(Path(*parts[:depth]) / "__init__.py"), "")
    shutil.copytree(
        BASE_DIR / unit,
        root.joinpath(*parts),
        ignore=shutil.ignore_patterns("__pycache__", *leave_out),
    )
    for name, models in apps.items():
        scratch.write(f"{name}/__init__.py", "")
        scratch.write(f"{name}/models.py", models)
        scratch.write(f"{name}/migrations/__init__.py", "")
    settings = root / "site_config" / "settings.py"
    extra = PRELUDE + "".join(f'INSTALLED_APPS += ["{name}"]\n' for name in apps)
    settings.write_text(settings.read_text() + extra + (documented_settings(doc) if doc else ""))
    return scratch
