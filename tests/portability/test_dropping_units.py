"""The README's "Forking as a template": a unit a fork does not want goes with its
folder, its lines in config/settings.py and config/urls.py, and the edits it lists
for the files that use it. Here static versioning is dropped from a copy of the
app exactly so, and the copy still starts, serves its pages and its static files."""

import re
import shutil
import subprocess
import sys

from tests.processes import BASE_DIR, platform_env, released_database

APP = ("config", "accounts", "catalog", "templates", "static", "manage.py")

PATHS = ("/static/css/site.css", "/robots.txt", "/", "/products/", "/tour/")
PAGES = f"""
import django
django.setup()
from django.core.management import call_command
from django.test import Client
call_command("check")
client = Client()
for path in {PATHS!r}:
    page = client.get(path, HTTP_HOST="localhost")
    body = b"".join(page.streaming_content) if page.streaming else page.content
    print(path, page.status_code, b"/tour/static-versioning/" in body)
"""


def edit(path, old: str, new: str, *, count: int = 1) -> None:
    """Replace `old` (a regular expression) in `path`, as often as the README's step needs."""
    text = path.read_text()
    changed, made = re.subn(old, new, text, flags=re.MULTILINE)
    assert made == count if count else made, f"{path.name}: {old!r} found {made} times"
    path.write_text(changed)


def test_a_fork_without_static_versioning_serves_its_pages_and_static_files(tmp_path):
    for name in APP:
        source = BASE_DIR / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    shutil.rmtree(tmp_path / "config/static_versioning")
    settings, urls = tmp_path / "config/settings.py", tmp_path / "config/urls.py"
    # Its settings lines; WhiteNoise's own middleware where the unit's stood.
    edit(settings, r"^(from config import .*), static_versioning$", r"\1")
    edit(settings, r'^ *"config\.static_versioning",\n', "")
    edit(settings, r'^ *"config\.static_versioning\.versions",\n', "")
    edit(settings, r"^WHITENOISE_ADD_HEADERS_FUNCTION = .*\n", "")
    edit(settings, r"^STATIC_ASSET_VERSIONS = static_versioning\.resolve\(\n[^)]*\)\n", "")
    edit(
        settings,
        r"config\.static_versioning\.middleware\.StaticFilesMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
        count=2,
    )
    # Its tour URL line.
    edit(urls, r"^from config\.static_versioning import .*\n", "")
    edit(urls, r'^    path\(\n        "tour/static-versioning/",\n(.*\n){3}', "")
    # {% static %} for {% versioned_static %} in the two base templates.
    for template in ("templates/base.html", "templates/admin/base_site.html"):
        edit(tmp_path / template, r"versioned_static", "static", count=None)
    code = [
        line.partition("#")[0] for line in (settings.read_text() + urls.read_text()).split("\n")
    ]
    assert not [line for line in code if "static_versioning" in line]

    env = platform_env(
        ENVIRONMENT="development",
        DATABASE_URL=released_database("without_static_versioning"),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    done = subprocess.run(
        [sys.executable, "-c", PAGES], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    shown = [line for line in done.stdout.split("\n") if line.startswith("/")]
    assert shown == [f"{path} 200 False" for path in PATHS], done.stderr
