"""Every file or folder of this repository that the README and docs name exists.

A restructure moves files; a doc that still points at the old path is a false
claim. Paths are the ones written in backticks with a folder in them, such as
`config/media/versions.py` or `tests/portability/`; a file named alone
(`test_heroku_ci.py`) must be a file of the repository by that name.
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


# A file named without its folder (`test_heroku_ci.py`, `base.html`): a file of the
# repository by that name must exist too. These name something else: a URL, what a
# build writes, a name an upload claims, the file Heroku refuses beside Pipfile.lock.
NAME = re.compile(r"`([\w.-]+\.(?:py|html|md|json|css|js|toml|txt|yml|yaml|cfg))`")
NOT_FILES = {
    "robots.txt",  # the site's URL (config/views.py)
    "staticfiles.json",  # collectstatic's manifest, written at build
    "page.html",  # a GIF's made-up name in an upload (docs/accounts.md)
    "requirements.txt",  # which this project must never have
}
HASHED = re.compile(r"\.[0-9a-f]{12}\.\w+$")  # a collected file's name, written at build


def named_files() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for name in NAME.findall(doc.read_text()):
            if name not in NOT_FILES and not HASHED.search(name):
                found.append((doc.name, name))
    return sorted(set(found))


def repository_file_names() -> set[str]:
    names = {path.name for path in BASE_DIR.iterdir() if path.is_file()}
    for top in TOP:
        names |= {path.name for path in (BASE_DIR / top).rglob("*") if path.is_file()}
    return names


def test_the_docs_name_files_by_their_name_alone():
    assert len(named_files()) > 20  # the pattern finds them (45 when written)


def test_every_file_the_docs_name_alone_exists():
    names = repository_file_names()
    missing = [(doc, name) for doc, name in named_files() if name not in names]
    assert not missing, f"named in the docs, found nowhere in the repository: {missing}"
