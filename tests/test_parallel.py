"""The suite runs on pytest-xdist workers: what keeps tests that share a started
process on one worker, and what keeps workers out of each other's way."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import psycopg2
import pytest
from django.conf import settings

from tests import builds
from tests.parallel import (
    group_of,
    processes_first,
    starts_processes,
    uses_database,
    workers_for_auto,
)
from tests.processes import BASE_DIR, fresh_database, platform_env


@pytest.fixture(scope="module")
def module_wide():
    """Stands for a module's web process: started once per worker that needs it."""
    return object()


def test_the_suite_runs_on_every_core_with_groups():
    config = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())
    addopts = config["tool"]["pytest"]["ini_options"]["addopts"].split()
    assert addopts[addopts.index("-n") + 1] == "auto"
    assert addopts[addopts.index("--dist") + 1] == "loadgroup"


def test_auto_is_a_worker_more_than_cores_unless_counted_or_under_ci(monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    monkeypatch.delenv("CI", raising=False)
    assert workers_for_auto(2) == 3
    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "5")
    assert workers_for_auto(5) == 5  # pytest-xdist's count is that number
    for given in (" 4 ", "+4"):  # numbers to int(), as pytest-xdist reads them
        monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", given)
        assert workers_for_auto(4) == 4
    for ignored in ("many", "", "4.5"):  # pytest-xdist counts cores instead
        monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", ignored)
        assert workers_for_auto(2) == 3
    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS")
    for ci in ("true", "1", " TRUE "):
        monkeypatch.setenv("CI", ci)
        assert workers_for_auto(2) == 2
    # What the settings take for CI (config.env.under_ci), and nothing else.
    for not_ci in ("false", "0", "no", "woodpecker", ""):
        monkeypatch.setenv("CI", not_ci)
        assert workers_for_auto(2) == 3


def test_the_hook_pytest_xdist_calls_for_auto_adds_the_worker(request, monkeypatch):
    """The call pytest-xdist's controller makes for `-n auto`, through every plugin."""
    from xdist.plugin import pytest_xdist_auto_num_workers as per_core

    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    monkeypatch.delenv("CI", raising=False)
    hook = request.config.pluginmanager.hook.pytest_xdist_auto_num_workers
    assert hook(config=request.config) == per_core(request.config) + 1


def test_a_test_sharing_a_module_fixture_is_grouped_with_its_module(request, module_wide):
    assert group_of(request.node) == "tests/test_parallel.py"


def test_a_test_on_its_own_goes_to_any_worker(request, db, fresh_s3):
    # The test database and the local S3 server are every worker's own.
    assert group_of(request.node) is None


def test_this_runs_process_tests_come_before_its_database_tests(request):
    """pytest-django put tests without a database last; the slowest were among them."""
    items = request.session.items
    process_tests = [n for n, item in enumerate(items) if starts_processes(item)]
    database_tests = [n for n, item in enumerate(items) if uses_database(item)]
    first_database_test = min(database_tests, default=len(items))
    late = [
        items[n].nodeid
        for n in process_tests
        if n > first_database_test and not uses_database(items[n])
    ]
    assert late == []


def fake_item(nodeid: str, fixtures: tuple[str, ...] = ()) -> SimpleNamespace:
    return SimpleNamespace(
        nodeid=nodeid, fixturenames=fixtures, cls=None, get_closest_marker=lambda name: None
    )


def test_processes_first_moves_only_process_tests_without_a_database():
    items = [
        fake_item("tests/catalog/test_a.py::test_db", ("db",)),
        fake_item("tests/deploy/test_b.py::test_transactional", ("transactional_db",)),
        fake_item("tests/catalog/test_a.py::test_plain"),
        fake_item("tests/deploy/test_b.py::test_web_line"),
        fake_item("tests/local/test_c.py::test_demo"),
    ]
    processes_first(items)
    assert [item.nodeid.split("::")[1] for item in items] == [
        "test_web_line",
        "test_demo",
        "test_db",
        "test_transactional",
        "test_plain",
    ]


GROUPED_SUITE = {
    "conftest.py": """
import pytest
from tests import parallel

@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    parallel.mark_groups(config, items)
""",
    "test_grouped.py": """
import pytest

@pytest.fixture(scope="module")
def started():
    return object()

@pytest.mark.parametrize("n", range(6))
def test_shares(started, n):
    pass

@pytest.mark.parametrize("n", range(6))
def test_alone(n):
    pass
""",
}


def test_two_workers_run_a_modules_group_on_one_of_them(tmp_path):
    """The scheduler keeps a group together on the pytest and xdist installed."""
    for name, text in GROUPED_SUITE.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    plugins = ["-p", "no:cacheprovider", "-p", "no:django", "-p", "no:cov"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *plugins, "-n", "2", "--dist", "loadgroup", "-v"],
        cwd=tmp_path,
        env=platform_env(PATH="", PYTHONPATH=str(BASE_DIR)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    ran = re.findall(r"\[(gw\d)\] .*PASSED test_grouped.py::(test_\w+)", done.stdout)
    assert len(ran) == 12, done.stdout
    assert len({worker for worker, test in ran if test == "test_shares"}) == 1, done.stdout


def test_fresh_databases_are_named_per_worker(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw7")
    url = fresh_database("naming")
    name = urlsplit(url).path.lstrip("/")
    assert name.endswith("_gw7_naming")
    admin = psycopg2.connect(settings.DATABASE_URL)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE "{name}"')
    admin.close()


def test_the_run_built_static_files_once_and_tests_find_them_unchanged():
    built = builds.build("config vars").check()
    assert builds.MANIFEST.exists()
    assert json.loads(builds.MANIFEST.read_text())["paths"] == built.manifest


def test_ci_measures_coverage_with_the_pipfiles_coverage_command():
    """`pipenv run test` leaves coverage out (pyproject.toml); `.ci/run`'s second run
    measures it with the Pipfile's `test-coverage` pytest command, word for word."""
    scripts = tomllib.loads((BASE_DIR / "Pipfile").read_text())["scripts"]
    assert scripts["test"] == "pytest"
    coverage = scripts["test-coverage"]
    assert coverage.startswith("pytest --cov")
    ci = (BASE_DIR / ".ci" / "run").read_text().replace("\\\n", " ")
    ci_lines = [" ".join(line.split()) for line in ci.splitlines()]
    assert "pipenv install --dev && pipenv run test" in ci_lines
    assert any(line.startswith("CI=true ") and line.endswith(coverage) for line in ci_lines)


def test_the_readmes_two_commands_are_the_pipfiles_scripts_and_ci_runs_the_tests_one():
    """README, Quick start: one command runs the demo site, one the tests; `.ci/run`
    calls the second word for word, and the Pipfile's scripts are what they run."""
    readme = (BASE_DIR / "README.md").read_text()
    start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)\n```", start, re.S)
    assert commands == [
        "pipenv install --dev && pipenv run demo",
        "pipenv install --dev && pipenv run test",
    ]
    scripts = tomllib.loads((BASE_DIR / "Pipfile").read_text())["scripts"]
    assert scripts["demo"] == "python -m config.local.demo"
    assert scripts["test"] == "pytest"
    ci_lines = [
        " ".join(line.split()) for line in (BASE_DIR / ".ci" / "run").read_text().splitlines()
    ]
    assert commands[1] in ci_lines


def test_the_workers_keep_bytecode_caches_whatever_the_shell_says():
    """Each worker imports every test module, which pytest rewrites for its assertion
    messages (about 2.7 s of CPU a worker for this suite) unless it finds the result
    in `__pycache__`. PYTHONDONTWRITEBYTECODE, which container images often set,
    kept it from writing one, so every worker of every run rewrote them all again.
    tests/__init__.py turns the caches back on for the test processes; the web
    processes the tests start wrote theirs anyway (tests/processes.py passes the
    variable on to none of them)."""
    assert not sys.dont_write_bytecode
    here = Path(__file__)
    assert list(here.with_name("__pycache__").glob(f"{here.stem}.*-pytest-*.pyc"))
