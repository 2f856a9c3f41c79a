"""Which tests pytest-xdist must run on one worker (`--dist loadgroup`, pyproject.toml),
which it hands out first, and how many workers `-n auto` starts.

A fixture wider than a test (a module's web process, the browser tests' seeded
site) is started once per worker that runs a test needing it. Tests that share
one go to the same worker, so it starts once per run; every other test is handed
out on its own to whichever worker is free.

- A session- or package-scoped fixture of a test folder's conftest.py (the
  browser, the seeded site of tests/e2e/): one group per folder.
- Otherwise a module- or class-scoped fixture: one group per module.

Fixtures of pytest's plugins and of tests/conftest.py (the local S3 server, the
test database) are started by every worker anyway and group nothing.

Tests that start processes (tests/deploy/, tests/local/: the web line under a
fault, the demo command stopped and started again) take seconds each, up to half
a minute; the in-process tests take milliseconds. The scheduler hands out the
groups first, largest first, then single tests in collection order, where
pytest-django puts tests without a database last: the longest test of the run
started last, and one worker ran it alone while the others had finished.
`processes_first` moves those tests ahead; the quick ones fill the workers' last
minutes evenly.

The loadgroup scheduler reads a test's group from a `@group` suffix of its node
id, which pytest-xdist's worker appends by assigning `item._nodeid`. Since pytest
9.2 keeps the node id in `item._id`, that assignment is lost and every group is
silently handed out test by test (pytest-dev/pytest-xdist#1386), so `mark_groups`
appends the suffix itself.
"""

import os

import pytest
from django.test import TransactionTestCase

from config.env import under_ci

WIDE = ("session", "package")
PER_MODULE = ("module", "class")
EVERY_WORKER = ("", "tests")  # baseid of plugins' fixtures and of tests/conftest.py's


def group_of(item: pytest.Item) -> str | None:
    """The xdist group `item` belongs to, or None to run it on any worker."""
    definitions = [
        fixturedef
        for fixturedefs in item._fixtureinfo.name2fixturedefs.values()
        for fixturedef in fixturedefs
        if fixturedef.baseid not in EVERY_WORKER
    ]
    folders = sorted({d.baseid for d in definitions if d.scope in WIDE})
    if folders:
        return folders[-1]  # the innermost folder, should two nest
    if any(d.scope in PER_MODULE for d in definitions):
        return item.nodeid.split("::")[0]
    return None


def mark_groups(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its group; on a loadgroup worker, name it in the node id too.

    Run before pytest-xdist's own hook (tryfirst): where that one still takes
    effect (pytest before 9.2) it appends the group a second time, and the
    scheduler, which reads what follows the last `@`, finds the same group.
    """
    suffix = getattr(config.option, "loadgroup", False)  # set on pytest-xdist's workers only
    for item in items:
        group = group_of(item)
        if group is None:
            continue
        item.add_marker(pytest.mark.xdist_group(group))
        if suffix:
            _rename(item, f"{item.nodeid}@{group}")


PROCESS_FOLDERS = ("tests/deploy/", "tests/local/")
DATABASE_FIXTURES = {"db", "transactional_db", "live_server"}


def processes_first(items: list[pytest.Item]) -> None:
    """Move the tests of PROCESS_FOLDERS that use no test database to the front,
    keeping every other order: run after pytest-django's, which runs database
    tests before transactional ones, as Django does, and tests without a
    database last. Tests that use none can run anywhere in that order."""
    items.sort(key=lambda item: not (starts_processes(item) and not uses_database(item)))


def starts_processes(item: pytest.Item) -> bool:
    return item.nodeid.startswith(PROCESS_FOLDERS)


def uses_database(item: pytest.Item) -> bool:
    """Whether `item` uses the test database: what pytest-django orders by."""
    cls = getattr(item, "cls", None)
    return (
        item.get_closest_marker("django_db") is not None
        or bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))
        or (cls is not None and issubclass(cls, TransactionTestCase))
    )


def _rename(item: pytest.Item, nodeid: str) -> None:
    if hasattr(item, "_id"):  # pytest 9.2 and later: a structured NodeId
        from _pytest.nodeid import coerce_node_id

        item._id = coerce_node_id(nodeid)
    else:
        item._nodeid = nodeid


def workers_for_auto(per_core: int) -> int:
    """How many workers `-n auto` starts, given pytest-xdist's count (`per_core`):
    one more, on a developer's machine.

    Much of the suite waits rather than computes: for a connect timeout to
    expire, a paused Redis, a web process to finish its requests after SIGTERM.
    With a worker per core, a core sits idle through those waits; a third
    worker on two cores kept them busy and was faster in each of four
    alternating pairs of runs (README, "Development"). Left as pytest-xdist
    counts it:
    - PYTEST_XDIST_AUTO_NUM_WORKERS, a count given outright;
    - CI, as the settings read it (`config.env.under_ci`; Heroku CI sets it):
      a test dyno reports its host's cores and has 2.5 GB of memory, and a
      worker more is a test database, a local S3 server and web processes
      more, never measured there.
    """
    if is_count(os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS")) or under_ci():
        return per_core
    return per_core + 1


def is_count(value: str | None) -> bool:
    """Whether pytest-xdist takes `value` as a count: what `int()` reads (it warns
    about anything else and counts cores instead)."""
    try:
        int(value or "")
    except ValueError:
        return False
    return True
