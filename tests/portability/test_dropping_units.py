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
import re
import django
django.setup()
from django.core.management import call_command
from django.test import Client
call_command("check")
client = Client()
for path in {PATHS!r}:
    page = client.get(path, HTTP_HOST="localhost")
    body = b"".join(page.streaming_content) if page.streaming else page.content
    tours = sorted(set(re.findall(rb'href="/tour/([a-z0-9-]+)/"', body)))
    print(path, page.status_code, b",".join(tours).decode() or "-")
"""


def edit(path, old: str, new: str, *, count: int = 1) -> None:
    """Replace `old` (a regular expression) in `path`, as often as the README's step needs."""
    text = path.read_text()
    changed, made = re.subn(old, new, text, flags=re.MULTILINE)
    assert made == count if count else made, f"{path.name}: {old!r} found {made} times"
    path.write_text(changed)


def copy_of_the_app(root) -> None:
    for name in APP:
        source = BASE_DIR / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, root / name)


def pages_of(root, suffix: str) -> tuple[dict[str, str], set[str]]:
    """PAGES run in the copy at `root` (development settings): each path's status,
    and the tour pages the site's pages link to."""
    env = platform_env(
        ENVIRONMENT="development",
        DATABASE_URL=released_database(suffix),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    done = subprocess.run(
        [sys.executable, "-c", PAGES], cwd=root, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.split("\n") if line.startswith("/")]
    tours = {tour for _, _, linked in rows for tour in linked.split(",")}
    return {path: status for path, status, _ in rows}, tours


def test_a_fork_without_static_versioning_serves_its_pages_and_static_files(tmp_path):
    copy_of_the_app(tmp_path)
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

    served, tours = pages_of(tmp_path, "without_static_versioning")
    assert served == dict.fromkeys(PATHS, "200")
    assert "static-versioning" not in tours
    assert {"pipenv", "prefetch", "auth-backend", "s3-media"} <= tours


def test_a_fork_without_the_query_log_serves_its_pages_and_static_files(tmp_path):
    """The README: the two tour pages that show the queries they sent, and
    bench_prefetch, record them with the query log; a fork without it drops them."""
    copy_of_the_app(tmp_path)
    shutil.rmtree(tmp_path / "config/querylog")
    for name in (
        "accounts/profile_auth/tour.py",
        "catalog/bench.py",
        "catalog/tour.py",
        "catalog/management/commands/bench_prefetch.py",
    ):
        (tmp_path / name).unlink()
    settings, urls = tmp_path / "config/settings.py", tmp_path / "config/urls.py"
    edit(settings, r'^ *"config\.querylog\.QueryLogMiddleware",\n', "")
    edit(settings, r'^QUERY_LOG = os\.environ.*\n(.*\n)*?QUERY_LOG = QUERY_LOG == "on"\n', "")
    edit(urls, r"^from (accounts\.profile_auth|catalog)\.tour import .*\n", "", count=2)
    edit(urls, r'^    path\("tour/(prefetch|auth-backend)/".*\n', "", count=2)
    served, tours = pages_of(tmp_path, "without_query_log")
    assert served == dict.fromkeys(PATHS, "200")
    assert {"prefetch", "auth-backend"}.isdisjoint(tours)
    assert {"pipenv", "static-versioning", "s3-media"} <= tours
