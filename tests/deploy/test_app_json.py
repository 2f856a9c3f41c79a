"""app.json serves the Heroku Button and Heroku CI: every variable the app reads is
listed, and the test environment has what its script needs."""

import json
import re
from pathlib import Path

from config.tour import ENVIRONMENT_VARIABLES
from tests.processes import BASE_DIR

APP_JSON = json.loads((BASE_DIR / "app.json").read_text())
# Set by Heroku itself, never by the app's owner: the add-on's URL, the router's
# port, the dyno's name, Heroku CI's flag and the commit variables.
PLATFORM = {"DATABASE_URL", "PORT", "DYNO", "CI"}
PLATFORM_PREFIXES = ("HEROKU_", "SOURCE_VERSION")
# os.environ's and os.getenv's reads, a test of a name's presence, and config/env.py's
# readers (not a WSGI environ's CONTENT_LENGTH). A name read from a variable (a loop
# over a tuple of names) is not seen: the tests that use this add those.
READS = re.compile(
    r"""(?:os\.environ(?:\.get|\.setdefault|\.pop)?\(|os\.environ\[|os\.getenv\("""
    r"""|\benv\.\w+\((?:name=)?)\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|["']([A-Z][A-Z0-9_]+)["']\s+(?:not\s+)?in\s+os\.environ"""
)
# Read only on a developer's machine (`pipenv run demo`), never on Heroku.
DEVELOPMENT_ONLY = {"DEMO_HOST", "DEMO_S3_DATA"}
# gunicorn's own, which the settings check so the release stops on a value the web
# line cannot run with (SCRIPT_NAME at all): no config var the app asks for.
GUNICORNS = {"SCRIPT_NAME", "GUNICORN_CMD_ARGS"}
# libpq's own, read where seed_demo_accounts tells whether the database is on this
# machine, as libpq would connect, and where production keeps or refuses the sslmode
# libpq would use: no config var the app asks for.
LIBPQS = {
    "PGCONNECT_TIMEOUT",
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGSERVICE",
    "PGSSLMODE",
    "PGSSLROOTCERT",
}
# Django's own, which manage.py and the demo read to name it in a one-line error.
DJANGOS = {"DJANGO_SETTINGS_MODULE"}
# pipenv's own, read where the demo tells which file sets a variable (config/local/envfile.py).
PIPENVS = {"PIPENV_DONT_LOAD_ENV", "PIPENV_DOTENV_LOCATION"}


def apps_packages() -> list[Path]:
    """Every package at the top of the project but the tests: config/, the apps, and
    any app a fork adds beside them."""
    return sorted(
        folder
        for folder in BASE_DIR.iterdir()
        if (folder / "__init__.py").exists() and folder.name != "tests"
    )


def variables_read_by_the_app() -> set[str]:
    names = set()
    for folder in apps_packages():
        for path in folder.rglob("*.py"):
            names.update(a or b for a, b in READS.findall(path.read_text()))
    return names


def test_every_package_of_the_app_is_read_for_its_variables():
    assert {folder.name for folder in apps_packages()} >= {"config", "catalog", "accounts"}


def test_the_pattern_sees_each_way_the_app_reads_a_variable():
    reads = [
        'os.environ.get("A1")',
        "os.environ['A2']",
        'os.environ.setdefault("A3", "x")',
        'os.environ.pop("A4", None)',
        'os.getenv("A5")',
        '"A6" in os.environ',
        '"A7" not in os.environ',
        'env.whole_number("A8", 10)',
        'env.required(name="A9")',
    ]
    found = {a or b for line in reads for a, b in READS.findall(line)}
    assert found == {f"A{n}" for n in range(1, 10)}


def test_every_variable_the_app_reads_is_in_the_tour_list_and_app_json():
    read = variables_read_by_the_app()
    assert {"DJANGO_SECRET_KEY", "QUERY_LOG", "WEB_CONCURRENCY"} <= read  # the pattern works
    theirs = PLATFORM | GUNICORNS | LIBPQS | DJANGOS | PIPENVS
    owned = {name for name in read - theirs if not name.startswith(PLATFORM_PREFIXES)}
    unlisted = sorted(owned - set(ENVIRONMENT_VARIABLES))
    assert not unlisted, (
        f"The app reads {unlisted} but does not list it: add each to ENVIRONMENT_VARIABLES "
        "in config/tour.py, to app.json's env (the Heroku Button asks for it), to "
        ".env.example and to the README's table of config vars."
    )
    asked = set(ENVIRONMENT_VARIABLES) - PLATFORM - DEVELOPMENT_ONLY
    assert asked == set(APP_JSON["env"]), (
        f"Only in config/tour.py: {sorted(asked - set(APP_JSON['env']))}; only in "
        f"app.json: {sorted(set(APP_JSON['env']) - asked)}. A config var the app asks "
        "for is in both."
    )


def test_heroku_ci_gets_a_database_a_browser_and_no_silent_skip():
    test = APP_JSON["environments"]["test"]
    buildpacks = [entry["url"] for entry in test["buildpacks"]]
    assert buildpacks == ["heroku-community/chrome-for-testing", "heroku/python"]
    # The in-dyno Redis puts redis-server on PATH: tests/redisserver.py starts its own.
    assert test["addons"] == ["heroku-postgresql:in-dyno", "heroku-redis:in-dyno"]
    assert test["env"]["REQUIRE_BROWSER"] == "1"
    # The README's test command is `pipenv run test`, the Pipfile's `pytest`;
    # Heroku CI installs the lock into the system, so pytest is on PATH.
    assert test["scripts"]["test"] == "pytest"
    assert 'test = "pytest"' in (BASE_DIR / "Pipfile").read_text()


def test_redis_is_optional_and_left_to_the_add_on():
    """Heroku Key-Value Store sets REDIS_URL (older versions REDIS_TLS_URL too) when
    attached; the app runs without them."""
    for name in ("REDIS_URL", "REDIS_TLS_URL"):
        assert APP_JSON["env"][name]["required"] is False
        assert "value" not in APP_JSON["env"][name]
    assert "heroku-redis:mini" in APP_JSON["env"]["REDIS_URL"]["description"]
    assert not any("redis" in addon["plan"] for addon in APP_JSON["addons"])


# What the README's config var table says of the Button's query log, while it is on.
BUTTON_QUERY_LOG_ON = "the Heroku Button's `app.json` sets it on for the demo deployment"


def test_the_button_gives_what_the_readme_says():
    """README, Deploying to Heroku: a Postgres add-on, a generated secret key, one web
    dyno, production settings, the query log as the README's table says (on for
    this demo, off once a fork follows its checklist), and the media bucket, its
    region and its keys asked for: nothing else."""
    assert [addon["plan"] for addon in APP_JSON["addons"]] == ["heroku-postgresql:essential-0"]
    env = APP_JSON["env"]
    assert env["DJANGO_SECRET_KEY"]["generator"] == "secret"
    assert APP_JSON["formation"]["web"]["quantity"] == 1
    assert env["ENVIRONMENT"]["value"] == "production"
    assert env["QUERY_LOG"]["value"] in ("on", "off")
    readme = (BASE_DIR / "README.md").read_text()
    (row,) = [line for line in readme.splitlines() if line.startswith("| `QUERY_LOG` |")]
    readme_says_on = BUTTON_QUERY_LOG_ON in row
    assert readme_says_on == (env["QUERY_LOG"]["value"] == "on")
    asked = {
        name
        for name, spec in env.items()
        if spec.get("required", True) and "value" not in spec and "generator" not in spec
    }
    assert asked == {
        "AWS_MEDIA_BUCKET_NAME",
        "AWS_S3_REGION_NAME",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    }
    readme = (BASE_DIR / "README.md").read_text()
    assert "It asks for the media bucket, its region\nand its keys" in readme


def test_the_fork_checklist_turns_the_demos_query_log_off():
    """The Button turns the query log on for this demo; a fork's Button would show every
    visitor its SQL unless the checklist's first step says to turn it off, and the
    README's table with it. A fork that has followed the step passes this test and
    the one above as they stand: they pin no value a fork is told to change."""
    readme = (BASE_DIR / "README.md").read_text()
    fork = readme.split("## Forking as a template", 1)[1].split("\n2. ", 1)[0]
    assert '`"QUERY_LOG"`\'s `"value": "on"` to `"off"`' in fork
    assert "the `QUERY_LOG` row of the config var table above" in fork


def test_the_build_reads_one_python_version_and_no_requirements_file():
    """Heroku's buildpack refuses a repository with both requirements.txt and
    Pipfile.lock, and runtime.txt must name the Pipfile's Python."""
    assert not (BASE_DIR / "requirements.txt").exists()
    pipfile = (BASE_DIR / "Pipfile").read_text()
    (version,) = re.findall(r'^python_version = "([\d.]+)"$', pipfile, re.MULTILINE)
    assert (BASE_DIR / "runtime.txt").read_text().strip() == f"python-{version}"


def test_the_buttons_name_fits_herokus_schema():
    """Heroku's app.json schema: "a clean and simple name to identify the template
    (30 characters max)"."""
    assert 0 < len(APP_JSON["name"]) <= 30


def test_commands_for_the_users_own_shell_name_python3():
    """Debian, Ubuntu and macOS have no `python` command: the README's secret key,
    made with `$(python -c ...)`, came out empty, and the release then stopped
    saying DJANGO_SECRET_KEY is required, just after it was set. Inside
    `pipenv run` or `heroku run`, `python` is the environment's own, and only
    there does `python manage.py` find Django. The site's own pages (the tours)
    name commands too."""
    pages = [
        str(path.relative_to(BASE_DIR))
        for folder in ("templates", "config", "catalog", "accounts")
        for path in (BASE_DIR / folder).rglob("*.html")
    ]
    assert len(pages) > 30
    for name in (
        "README.md",
        ".env.example",
        *(f"docs/{p.name}" for p in BASE_DIR.glob("docs/*.md")),
        *pages,
    ):
        text = (BASE_DIR / name).read_text()
        bare = [
            line
            for line in text.splitlines()
            # `pipenv run env NAME=value python ...` runs the environment's python too.
            if re.search(
                r"(?<!pipenv run )(?<!heroku run )\bpython (-c|manage\.py)\b",
                re.sub(r"pipenv run env (?:\S+=\S* )+", "pipenv run ", line),
            )
        ]
        assert bare == [], name


def test_attaching_redis_says_to_set_its_eviction_policy():
    """Under Heroku's default, noeviction, a Redis filled with list pages (anyone can
    ask for many) refuses every write, and the throttles count nothing: the policy
    is part of attaching it, wherever the docs say how."""
    command = "heroku redis:maxmemory --policy volatile-ttl"
    readme = (BASE_DIR / "README.md").read_text()
    assert "heroku addons:create heroku-redis" in APP_JSON["env"]["REDIS_URL"]["description"]
    assert command in APP_JSON["env"]["REDIS_URL"]["description"]
    for text in (readme, (BASE_DIR / "docs" / "production.md").read_text()):
        for line in text.splitlines():
            if "heroku addons:create heroku-redis" in line:
                assert command in text[text.index(line) :][: len(line) + 200], line


def test_the_static_version_descriptions_give_the_values_the_app_takes():
    """The Button's form says what STATIC_VERSION may be: the characters and the length
    config/static_versioning takes, so a value typed there passes the release."""
    from config.static_versioning import SAFE_VERSION

    described = json.loads((BASE_DIR / "app.json").read_text())["env"]["STATIC_VERSION"]
    length = re.search(r"\{1,(\d+)\}", SAFE_VERSION.pattern).group(1)
    assert f"1 to {length} letters, digits, . _ - only." in described["description"]
    assert SAFE_VERSION.pattern.startswith("[A-Za-z0-9._-]")
