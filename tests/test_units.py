"""The README's word on dropping a technique's unit from a fork ("Forking as a
template"): outside its folder, `config/settings.py` and `config/urls.py`, only
the files it lists use the unit. A file that starts to import one (a platform
module, at start) would stop a fork without it from starting at all.

And on replacing the two apps, `catalog/` and `accounts/`: only the files it
lists of the platform (`config/`, `manage.py`, the site's own templates) name
them."""

import ast
import re
import tomllib

import pytest

from tests.processes import BASE_DIR

# Each unit, and the files outside it that use it: what the README lists.
UNITS = {
    "config.static_versioning": {"templates/base.html", "templates/admin/base_site.html"},
    "config.querylog": {"accounts/profile_auth/tour.py", "catalog/bench.py"},
    "config.media": {
        "accounts/models.py",
        "accounts/forms.py",
        "accounts/admin.py",
        "accounts/migrations/0001_initial.py",
        "catalog/models.py",
        "catalog/admin.py",
        "catalog/migrations/0002_image_checked_by_content.py",
        "catalog/management/commands/seed_catalog.py",
        "config/wsgi.py",
        "config/checks.py",
        "accounts/demo_accounts.py",  # names its permission, media.restore_media
    },
    "config.bounded_prefetch": {"catalog/querysets.py", "catalog/features.py"},
    "accounts.profile_auth": {"accounts/views.py"},
}
WIRING = {"config/settings.py", "config/urls.py"}
# Where the app's code is (not the tests, nor a local database's files).
CODE = ("config", "accounts", "catalog")
# The units that are apps, by their label.
APP_LABELS = {"config.media": "media", "accounts.profile_auth": "profile_auth"}


def forking_section() -> str:
    readme = (BASE_DIR / "README.md").read_text()
    return readme.split("## Forking as a template", 1)[1].split("\n## ", 1)[0]


def template_libraries(unit: str) -> set[str]:
    tags = BASE_DIR / unit.replace(".", "/") / "templatetags"
    return {path.stem for path in tags.glob("*.py") if path.stem != "__init__"}


def loaded_libraries(text: str) -> set[str]:
    """The tag libraries a template's `{% load %}` tags name."""
    return {name for tag in re.findall(r"{%\s*load\s+([^%]+?)\s*%}", text) for name in tag.split()}


def imported_modules(node: ast.AST) -> list[str]:
    """The modules an import statement names; none for any other node."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module:
        return [node.module]
    return []


def users_of(unit: str) -> set[str]:
    folder = unit.replace(".", "/") + "/"
    found = set()
    code = [
        BASE_DIR / "manage.py",
        *(path for top in CODE for path in (BASE_DIR / top).rglob("*.py")),
    ]
    for path in code:
        name = path.relative_to(BASE_DIR).as_posix()
        if name.startswith(folder) or "__pycache__" in name:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            modules = imported_modules(node)
            if any(module == unit or module.startswith(unit + ".") for module in modules):
                found.add(name)
        # A permission of the unit's app named in a string ("media.restore_media").
        label = APP_LABELS.get(unit)
        if label and re.search(rf"[\"']{label}\.\w+[\"']", path.read_text()):
            found.add(name)
    libraries = template_libraries(unit)
    templates = [BASE_DIR / "templates"]
    templates += (path for top in CODE for path in (BASE_DIR / top).rglob("templates"))
    for path in (html for folder in templates for html in folder.rglob("*.html")):
        if path.is_relative_to(BASE_DIR / unit.replace(".", "/")):
            continue
        if libraries & loaded_libraries(path.read_text()):
            found.add(path.relative_to(BASE_DIR).as_posix())
    return found - WIRING


@pytest.mark.parametrize("unit", UNITS)
def test_only_the_files_the_readme_lists_use_a_unit(unit):
    assert users_of(unit) == UNITS[unit]


def test_the_readme_lists_every_file_that_uses_a_unit():
    section = forking_section()
    for unit, users in UNITS.items():
        assert f"`{unit.replace('.', '/')}/`" in section
        for name in users - {
            "accounts/migrations/0001_initial.py",
            "catalog/migrations/0002_image_checked_by_content.py",
            "catalog/management/commands/seed_catalog.py",
        }:
            assert f"`{name}`" in section, name


def test_the_platform_loads_versioned_media_only_where_it_is_used():
    """config/wsgi.py under `apps.is_installed`, config/checks.py in the static
    bucket's check (its storage is the unit's): neither at import."""

    def media_imports(name):
        tree = ast.parse((BASE_DIR / name).read_text())
        return [
            (parent, node)
            for parent in ast.walk(tree)
            for node in ast.iter_child_nodes(parent)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("config.media")
        ]

    [(parent, _)] = media_imports("config/wsgi.py")
    assert isinstance(parent, ast.If)
    assert ast.unparse(parent.test) == "apps.is_installed('config.media')"
    [(parent, _)] = media_imports("config/checks.py")
    assert isinstance(parent, ast.FunctionDef)
    assert parent.name == "_manifest_on_the_bucket"


# The apps a fork replaces, and the files of the platform that name them: what the
# README lists (step 2 of "Forking as a template").
APPS = ("catalog", "accounts")
PLATFORM_USES_OF_THE_APPS = {
    "config/settings.py",
    "config/urls.py",
    "config/views.py",
    "config/checks.py",
    "templates/base.html",
    "templates/_home.html",
    "templates/admin/base_site.html",  # {% load shared_logins %}
}
# Settings that name the apps' models by relation, which no scan sees.
SETTINGS_OF_THE_APPS = ("ACCOUNTS_USER_SELECT_RELATED",)
# A module, a dotted path or a URL name of one of the apps, in code or a template.
NAMES_AN_APP = re.compile(rf"^(?:{'|'.join(APPS)})(?:[:.]|$)")
URL_NAME_OF_AN_APP = re.compile(rf"""["'](?:{"|".join(APPS)}):[\w-]+["']""")


def docstrings(tree: ast.AST) -> set[int]:
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, kinds)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def platform_users_of_the_apps() -> set[str]:
    found = set()
    code = [BASE_DIR / "manage.py", *(BASE_DIR / "config").rglob("*.py")]
    for path in (path for path in code if "__pycache__" not in path.parts):
        tree = ast.parse(path.read_text())
        said = docstrings(tree)
        for node in ast.walk(tree):
            names = imported_modules(node)
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in said
            ):
                names = [node.value]
            if any(NAMES_AN_APP.match(name) and name not in APPS for name in names):
                found.add(path.relative_to(BASE_DIR).as_posix())
    # The site's templates (not the apps' own folders, which go with them) and the
    # platform's units': a URL name of an app, or a tag library of one loaded.
    libraries = {library for app in APPS for library in template_libraries(app)}
    site = BASE_DIR / "templates"
    templates = [
        path
        for path in site.rglob("*")
        if path.is_file() and path.relative_to(site).parts[0] not in APPS
    ]
    templates += (path for path in (BASE_DIR / "config").rglob("templates/**/*") if path.is_file())
    for path in templates:
        text = path.read_text()
        if URL_NAME_OF_AN_APP.search(text) or loaded_libraries(text) & libraries:
            found.add(path.relative_to(BASE_DIR).as_posix())
    return found


def test_only_the_files_the_readme_lists_name_the_apps_a_fork_replaces():
    assert platform_users_of_the_apps() == PLATFORM_USES_OF_THE_APPS
    section = forking_section()
    for name in (*PLATFORM_USES_OF_THE_APPS, *SETTINGS_OF_THE_APPS):
        assert f"`{name}`" in section, name


# Each unit's own folder of tests, which goes with it (the auth backend's tests are
# among the accounts app's).
UNIT_TESTS = {
    "config.static_versioning": "tests/static_versioning/",
    "config.querylog": "tests/querylog/",
    "config.media": "tests/media/",
    "config.bounded_prefetch": "tests/bounded_prefetch/",
    "accounts.profile_auth": "tests/accounts/",
}


def test_the_readme_names_each_units_tests():
    assert UNIT_TESTS.keys() == UNITS.keys()
    for folder in UNIT_TESTS.values():
        assert (BASE_DIR / folder).is_dir(), folder
        assert f"`{folder}`" in forking_section(), folder


def test_coverage_measures_the_platform_and_the_apps_a_fork_replaces():
    """pyproject.toml names the apps too: the README says a fork names its own there."""
    pyproject = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())
    assert pyproject["tool"]["coverage"]["run"]["source"] == ["config", *APPS]
    assert "`pyproject.toml`" in forking_section()
