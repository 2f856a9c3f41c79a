"""Every file or folder of this repository that the README and docs name exists.

A restructure moves files; a doc that still points at the old path is a false
claim. Paths are the ones written in backticks with a folder in them, such as
`config/media/versions.py` or `tests/portability/`.
"""

import re

import pytest

from tests.processes import BASE_DIR

DOCS = [BASE_DIR / "README.md", *sorted((BASE_DIR / "docs").glob("*.md"))]
# A repository path: starts at one of the top-level folders, names a file or a folder.
TOP = ("config", "catalog", "accounts", "templates", "static", "tests", "docs", ".ci")
TOPS = "|".join(re.escape(top) for top in TOP)
PATH = re.compile(rf"`((?:{TOPS})/[\w./-]*)`")


def named_paths() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for path in PATH.findall(doc.read_text()):
            found.append((doc.name, path))
    return sorted(set(found))


def test_the_docs_name_repository_paths():
    assert len(named_paths()) > 100  # the pattern finds them (128 when written)


@pytest.mark.parametrize(("doc", "path"), named_paths())
def test_every_path_the_docs_name_exists(doc, path):
    assert (BASE_DIR / path).exists(), f"{doc} names {path}, which does not exist"
