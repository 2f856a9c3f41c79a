"""Which tests pytest-xdist must run on one worker (`--dist loadgroup`, pyproject.toml).

A fixture wider than a test (a module's web process, the browser tests' seeded
site) is started once per worker that runs a test needing it. Tests that share
one go to the same worker, so it starts once per run; every other test is handed
out on its own to whichever worker is free.

- A session- or package-scoped fixture of a test folder's conftest.py (the
  browser, the seeded site of tests/e2e/): one group per folder.
- Otherwise a module- or class-scoped fixture: one group per module.

Fixtures of pytest's plugins and of tests/conftest.py (the local S3 server, the
test database) are started by every worker anyway and group nothing.
"""

import pytest

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


def mark_groups(items: list[pytest.Item]) -> None:
    for item in items:
        group = group_of(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
