"""The project's commands that use the database, on one they cannot use (config/commands.py).

Run as a newcomer runs them (`manage.py` in a process of its own, development
settings) against a database `migrate` has not brought up to date, or none at all:
each stops with one line saying what to do, exit code 1, and writes nothing.
"""

import contextlib
import io
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import (
    BaseCommand,
    CommandError,
    call_command,
    get_commands,
    load_command_class,
)

from config.commands import DatabaseCommand
from tests.processes import (
    BASE_DIR,
    fresh_database,
    manage,
    platform_env,
    released_database,
    started_with,
)

# Every project command that reads or writes the app's tables, with arguments it
# accepts. The media commands talk to S3 only and run without a database
# (tests/media/test_commands.py).
DATABASE_COMMANDS = [
    ("seed_catalog", "--products", "3"),
    ("bench_prefetch", "--sizes", "1"),
    ("seed_demo_accounts",),
    # Django's own, which the README and docs/accounts.md name: accounts/ gives
    # them the same check (accounts/management/commands/).
    ("createsuperuser", "--noinput", "--username", "ada", "--email", "ada@example.com"),
    ("changepassword", "ada"),
    # django-axes', which docs/production.md schedules daily.
    ("axes_reset_logs", "--age", "30"),
    ("axes_reset_failure_logs", "--age", "30"),
]
IDS = [command[0] for command in DATABASE_COMMANDS]
S3_COMMANDS = ["media_lifecycle", "media_restore", "media_versioning", "media_versions"]


def is_ours(app) -> bool:
    """An app of this repository (its package where its dotted name says under
    BASE_DIR), not one installed in a virtualenv, even one kept inside it."""
    return Path(app.path).resolve() == Path(settings.BASE_DIR, *app.name.split(".")).resolve()


def test_every_command_of_the_project_is_classed_as_using_the_database_or_not():
    """A new command fails this until it is added to one list, and subclasses
    DatabaseCommand if it is the first one."""
    project = [app.name for app in apps.get_app_configs() if is_ours(app)]
    ours = {name: app for name, app in get_commands().items() if app in project}
    assert sorted(ours) == sorted(IDS + S3_COMMANDS)
    for name, app in ours.items():
        uses_database = isinstance(load_command_class(app, name), DatabaseCommand)
        assert uses_database == (name in IDS), name


def development_env(database_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url}


def tables(database_url: str) -> list[str]:
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        names = sorted(name for (name,) in cursor.fetchall())
    connection.close()
    return names


@pytest.fixture(scope="module")
def empty_database() -> str:
    return fresh_database("commands_empty")


@pytest.mark.parametrize("command", DATABASE_COMMANDS, ids=IDS)
def test_on_a_database_never_migrated_a_command_says_to_migrate(empty_database, command):
    done = manage(*command, env=development_env(empty_database))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("CommandError: The database lacks ")
    assert "run `pipenv run python manage.py migrate` first" in done.stderr
    assert tables(empty_database) == []  # nothing written, not even Django's own tables


def test_on_a_database_behind_the_code_a_command_names_the_apps_to_migrate():
    """A database migrated before a `git pull` brought new migrations, say."""
    url = fresh_database("commands_behind")
    env = development_env(url)
    migrated = manage("migrate", "catalog", "0001", env=env)
    assert migrated.returncode == 0, migrated.stderr
    before = tables(url)
    assert "catalog_product" in before

    done = manage("seed_catalog", "--products", "3", env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "CommandError: The database lacks " in done.stderr
    assert "accounts" in done.stderr
    assert "catalog" in done.stderr  # its 0002 is missing too
    assert tables(url) == before
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_product")
        assert cursor.fetchone() == (0,)
    connection.close()


@pytest.mark.parametrize("command", DATABASE_COMMANDS, ids=IDS)
def test_with_no_database_answering_a_command_says_so_in_one_line(refusing_port, command):
    url = f"postgres://user:secret-password@127.0.0.1:{refusing_port}/app"
    done = manage(*command, env=development_env(url))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("CommandError: The database cannot be reached: ")
    assert "Connection refused" in done.stderr
    assert "secret-password" not in done.stderr


def test_migrate_with_no_database_answering_is_one_error_that_says_to_run_it_again(refusing_port):
    """Django's own command, whose database checks make the connection once
    (config.E007): the hint fits a newcomer's terminal as well as Heroku's release."""
    url = f"postgres://user:secret-password@127.0.0.1:{refusing_port}/app"
    done = manage("migrate", env=development_env(url))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "(config.E007) The database 'default' refused the app's connection" in done.stderr
    assert "Connection refused" in done.stderr
    assert "run the command again once it answers" in done.stderr
    assert "secret-password" not in done.stderr


@pytest.mark.parametrize(
    "value",
    ["config.setting", "config.settings ", "config/settings.py", "", ".settings", "shop.settings"],
)
def test_a_settings_module_that_is_not_one_is_named_in_one_line(value):
    """A near miss gave a traceback of 12 to 16 lines (ModuleNotFoundError), a
    blank value `ValueError: Empty module name`."""
    done = manage("check", env={**platform_env(), "DJANGO_SETTINGS_MODULE": value})
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr == (
        f"Error: DJANGO_SETTINGS_MODULE is {value!r}, which names no module here: "
        "unset it for config.settings, or name a module by its dotted path.\n"
    )


@pytest.mark.parametrize(
    "value",
    [
        "config",
        "config.env",
        "os",
        "config.settings_module",
        "django.conf.global_settings",
        # Modules that ask for Django's settings or apps as they load: Django read the
        # half-loaded module as the settings, or had no apps yet, and each gave a
        # traceback (AttributeError, AppRegistryNotReady, ImproperlyConfigured).
        "config.urls",
        "catalog.models",
        "catalog.admin",
        "tests.conftest",
    ],
)
def test_a_module_that_holds_no_settings_is_named_in_one_line(value):
    """It imports, so Django ran on its defaults: `check` found nothing wrong, and the
    release line's migrate gave a 43-line traceback that never named the variable."""
    for command in ("check", "migrate"):
        done = manage(command, env={**platform_env(), "DJANGO_SETTINGS_MODULE": value})
        assert done.returncode == 1, done.stdout + done.stderr
        assert done.stderr == (
            f"Error: DJANGO_SETTINGS_MODULE is {value!r}, a module with no settings "
            "(no INSTALLED_APPS): unset it for config.settings, or name a settings module.\n"
        )


NO_MODULE = "which names no module here: leave it out for config.settings, or name a module"
NO_SETTINGS = "a module with no settings (no INSTALLED_APPS): leave it out for config.settings"


@pytest.mark.parametrize("form", ["--settings={}", "--settings {}"])
@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("nope.mod", NO_MODULE),
        ("config.setting", NO_MODULE),
        ("../x", NO_MODULE),
        ("config", NO_SETTINGS),
        ("config.urls", NO_SETTINGS),
        ("catalog.models", NO_SETTINGS),
    ],
)
def test_a_settings_module_named_by_the_option_is_named_in_one_line(form, value, said):
    """Django's own `--settings`: the checks read only the variable, and the option
    gave a traceback of 51 lines, ran `check` on Django's defaults, or made
    `seed_catalog` an unknown command."""
    for command in ("check", "seed_catalog"):
        done = manage(command, *form.format(value).split(" "), env=platform_env())
        assert done.returncode == 1, done.stdout + done.stderr
        assert done.stderr.startswith(f"Error: --settings is {value!r}, {said}"), done.stderr
        assert done.stderr.count("\n") == 1, done.stderr


def test_the_option_and_pythonpath_name_the_settings_as_django_reads_them(tmp_path):
    """The module the checks load is the one Django then runs with."""
    (tmp_path / "my_settings.py").write_text("from config.settings import *\nMARK = 1\n")
    done = manage(
        "diffsettings",
        "--settings=my_settings",
        f"--pythonpath={tmp_path}",
        env={**platform_env(), "ENVIRONMENT": "development", "DJANGO_SETTINGS_MODULE": "x.y"},
    )
    assert done.returncode == 0, done.stderr
    assert "MARK = 1" in done.stdout


@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("import no_such_module_anywhere", "No module named 'no_such_module_anywhere'"),
        ("int('twelve')", "ValueError: invalid literal for int()"),
        # Settings that ask Django for what is not there yet: their own bug.
        (
            "from config.settings import *\nfrom django.contrib.auth.models import Group",
            "AppRegistryNotReady",
        ),
        (
            "from django.conf import settings\nfrom config.settings import *\n"
            "EXTRA = settings.NOT_DEFINED_YET",
            "AttributeError",
        ),
    ],
)
def test_an_error_of_the_settings_module_itself_keeps_its_traceback(tmp_path, code, said):
    """Only the settings module's name is said so: what it fails at is not."""
    (tmp_path / "broken_settings.py").write_text(code + "\n")
    env = {**platform_env(), "DJANGO_SETTINGS_MODULE": "broken_settings"}
    done = manage("check", env={**env, "PYTHONPATH": str(tmp_path), "ENVIRONMENT": "development"})
    assert done.returncode == 1
    assert said in done.stderr
    assert "names no module here" not in done.stderr


@pytest.mark.parametrize("command", [("check",), ("migrate",), *DATABASE_COMMANDS], ids=str)
def test_without_the_environment_a_command_names_the_missing_variable_in_one_line(command):
    """A fresh clone without .env runs production settings, which need secrets."""
    done = manage(*command, env=platform_env())
    assert done.returncode == 1
    assert done.stderr == (
        "Error: The environment variable DJANGO_SECRET_KEY is required outside development "
        "(set it with `heroku config:set DJANGO_SECRET_KEY=...`, or in .env locally; "
        "ENVIRONMENT=development uses safe local defaults instead).\n"
    )


@pytest.mark.parametrize("value", ["config.settings.production", "config.settings.local"])
def test_a_name_below_the_settings_module_says_what_the_settings_said(value):
    """Cookiecutter's names: importing them imports config.settings first, whose
    missing variable is the one line, as for config.settings itself."""
    done = manage("check", env={**platform_env(), "DJANGO_SETTINGS_MODULE": value})
    assert done.returncode == 1
    assert done.stderr.startswith(
        "Error: The environment variable DJANGO_SECRET_KEY is required outside development"
    )
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize("value", ["Development", "dev", "development\u200b", "staging"])
@pytest.mark.parametrize("key", [None, "django-insecure-development-only"], ids=["no key", "weak"])
def test_an_environment_other_than_development_is_named_beside_the_refused_variable(value, key):
    """Anything but `development` is production, which fails closed; the line that
    says so named only the secret key, never the ENVIRONMENT that was mistyped."""
    env = {**platform_env(), "ENVIRONMENT": value}
    if key:
        env["DJANGO_SECRET_KEY"] = key
    done = manage("check", env=env)
    assert done.returncode == 1
    assert done.stderr.startswith(
        "Error: DJANGO_SECRET_KEY is too weak"
        if key
        else (
            "Error: The environment variable DJANGO_SECRET_KEY is required outside development "
            "(set it with `heroku config:set DJANGO_SECRET_KEY=...`, or in .env locally; "
            "ENVIRONMENT=development uses safe local defaults instead). "
        )
    )
    assert done.stderr.endswith(f" ENVIRONMENT is {value!r}, which counts as production.\n")
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["ctrl-c", "sigterm", "sighup"]
)
def test_a_stop_ends_a_command_without_a_traceback(signum):
    """Ctrl-C reaches the command a terminal runs, and `pipenv run demo`'s own
    (the release line's migrate, the seeds) too; SIGTERM, what the demo sends its
    release line and Heroku every process of a dyno it stops; SIGHUP, what a
    closing terminal sends. Django's commands printed a KeyboardInterrupt
    traceback; manage.py prints none, and the process still ends by the signal
    after Python's shutdown (its atexit functions stop the local PostgreSQL and
    flush the logs), so a shell script running the command stops as well."""
    code = (
        "import atexit, logging.handlers, sys, time\n"
        "log = logging.getLogger('buffered')\n"
        "log.propagate = False  # to the MemoryHandler alone\n"
        "log.addHandler(logging.handlers.MemoryHandler(100, target=logging.StreamHandler()))\n"
        "log.warning('logged')  # written when logging shuts down\n"
        "atexit.register(print, 'shut down', file=sys.stderr)\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    returncode, _, stderr = signalled_shell(code, signum)
    assert stderr == "shut down\nlogged\n"  # no traceback; the atexit functions ran
    assert returncode == -signum


# Each wait on standard input ends when the test writes a line, after its signal.
UNWINDING = """
import atexit, sys, time
def at_exit():
    print('at exit', flush=True)
    sys.stdin.readline()
    print('at exit, done', file=sys.stderr)
atexit.register(at_exit)
try:
    print('ready', flush=True)
    time.sleep(60)
finally:
    try:
        {}["missing"]
    except KeyError:  # an exception handled while the stop unwinds
        print('unwinding', flush=True)
        sys.stdin.readline()
    print('unwound', file=sys.stderr, flush=True)
"""


@pytest.mark.parametrize(
    "signums",
    [
        (signal.SIGHUP, signal.SIGHUP),  # a closing terminal sends two
        (signal.SIGTERM, signal.SIGTERM),
        # Ctrl-C in `pipenv run demo`: the release line gets SIGINT from the
        # terminal, then SIGTERM from the demo.
        (signal.SIGINT, signal.SIGTERM),
        (signal.SIGINT, signal.SIGHUP),
    ],
    ids=["sighup twice", "sigterm twice", "ctrl-c then sigterm", "ctrl-c then sighup"],
)
@pytest.mark.parametrize("during", ["unwinding", "at exit"])
def test_a_second_stop_breaks_off_neither_the_unwinding_nor_the_atexit_functions(signums, during):
    first, second = signums
    returncode, _, stderr = signalled_shell(UNWINDING, first, (during, second))
    assert stderr == "unwound\nat exit, done\n"
    assert returncode == -(first if first != signal.SIGINT else second)


def test_a_command_started_with_sighup_ignored_goes_on_when_it_comes():
    """`nohup python manage.py ...`: the terminal closing does not stop it."""
    code = "import sys; print('ready', flush=True); sys.stdin.readline(); print('done')"
    assert signalled_shell(code, signal.SIGHUP, ignoring=(signal.SIGHUP,)) == (0, "done\n", "")


def signalled_shell(
    code: str, *signals: int | tuple[str, int], ignoring: tuple[int, ...] = ()
) -> tuple[int, str, str]:
    """`manage.py shell -c CODE`, sent each of `signals` in turn: a signal once the
    code prints "ready", or `(line, signal)` once it prints that line. After each
    signal a line goes to its standard input, for a code that waits there. Its exit
    status and what it printed after. `ignoring`: signals the process starts with
    ignored, as `nohup` starts one with SIGHUP."""
    command = subprocess.Popen(
        started_with([sys.executable, "manage.py", "shell", "-c", code], ignoring),
        cwd=BASE_DIR,
        env={**os.environ, "ENVIRONMENT": "development"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = iter(command.stdout.readline, "")
        for each in signals:
            line, signum = each if isinstance(each, tuple) else ("ready", each)
            # The first after the shell's own line on what it imported.
            assert f"{line}\n" in lines
            command.send_signal(signum)
            with contextlib.suppress(BrokenPipeError):  # ended by the signal
                command.stdin.write("\n")
                command.stdin.flush()
        stdout, stderr = command.communicate(timeout=30)
    finally:
        command.kill()
    return command.returncode, stdout, stderr


# The byte 0xff as Python reads it from a command line or the environment: a lone
# surrogate, which the database, the password hashers and the terminal refuse.
NOT_UTF8 = "a\udcff"
NOT_UTF8_COMMANDS = [
    ("createsuperuser", "--noinput", "--username", NOT_UTF8, "--email", "ada@example.com"),
    ("changepassword", NOT_UTF8),
    ("seed_demo_accounts", "--staff-password", NOT_UTF8 * 6, "--member-password", "x" * 12),
    ("media_versions", NOT_UTF8),
    ("shell", "-c", f"print('{NOT_UTF8}')"),
]


@pytest.mark.parametrize(
    "command", NOT_UTF8_COMMANDS, ids=[command[0] for command in NOT_UTF8_COMMANDS]
)
def test_an_argument_that_is_not_utf8_is_one_line_naming_its_place(refusing_port, command):
    url = f"postgres://user:secret-password@127.0.0.1:{refusing_port}/app"
    done = manage(*command, env=development_env(url))
    place = command.index(next(arg for arg in command if "\udcff" in arg)) + 2  # after manage.py
    assert (done.returncode, done.stdout) == (2, "")
    # A password is not shown back: its place on the command line only.
    assert done.stderr == (
        f"Error: argument {place} of the command line is not UTF-8: type it again.\n"
    )


def test_a_superuser_variable_that_is_not_utf8_is_one_line_naming_it(refusing_port):
    url = f"postgres://user:secret-password@127.0.0.1:{refusing_port}/app"
    env = {**development_env(url), "DJANGO_SUPERUSER_USERNAME": NOT_UTF8}
    done = manage("createsuperuser", "--noinput", "--email", "ada@example.com", env=env)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "Error: DJANGO_SUPERUSER_USERNAME is not UTF-8: set it again.\n"


def number_options() -> list[tuple[str, str]]:
    """(command, option) for every option of the project's commands that takes a number."""
    project = [app.name for app in apps.get_app_configs() if is_ours(app)]
    djangos = BaseCommand().create_parser("manage.py", "base")._actions
    found = []
    for name, app in sorted(get_commands().items()):
        if app in project:
            parser = load_command_class(app, name).create_parser("manage.py", name)
            found += [
                (name, action.option_strings[-1])
                for action in parser._actions
                if action.type not in (None, str)
                and action.option_strings
                and not any(action.dest == django.dest for django in djangos)
            ]
    return found


def test_the_number_options_are_found():
    assert ("seed_catalog", "--products") in number_options()
    assert ("axes_reset_logs", "--age") in number_options()


# int() reads other scripts' digits, underscores between digits and spaces around:
# "١٢" seeded 12 products. Config vars take ASCII digits only, and so do options.
@pytest.mark.parametrize("value", ["\u0661\u0662", "1_0", " 3 ", "+3", "3.0", ""])
@pytest.mark.parametrize(("command", "option"), number_options())
def test_a_number_option_takes_ascii_digits_only(command, option, value):
    with pytest.raises(CommandError, match="a whole number in ASCII digits"):
        call_command(command, option, value, stdout=io.StringIO())


@pytest.fixture(scope="module")
def database_with_ada() -> str:
    url = released_database("commands_ada")
    env = {**development_env(url), "DJANGO_SUPERUSER_PASSWORD": "first-pw-9a8b7c6d"}
    made = manage(
        "createsuperuser", "--noinput", "--username", "ada", "--email", "a@x.org", env=env
    )
    assert made.returncode == 0, made.stderr
    return url


def password_of(url: str) -> str:
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT password FROM auth_user WHERE username = 'ada'")
        (password,) = cursor.fetchone()
    connection.close()
    return password


def test_a_typed_password_that_is_not_utf8_is_one_line_and_changes_nothing(database_with_ada):
    before = password_of(database_with_ada)
    typed = b"pw\xffpw-12345zz\n" * 2  # changepassword reads a pipe as it reads a terminal
    done = subprocess.run(
        [sys.executable, "manage.py", "changepassword", "ada"],
        input=typed,
        capture_output=True,
        cwd=BASE_DIR,
        env=development_env(database_with_ada),
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert b"Traceback" not in done.stderr
    assert done.stderr.decode().endswith(
        "CommandError: What was typed is not UTF-8: run the command again and type it anew.\n"
    )
    assert password_of(database_with_ada) == before


def test_a_password_typed_at_a_terminal_that_is_not_utf8_is_one_line(database_with_ada):
    """createsuperuser prompts only on a terminal; the byte typed there reached the hasher."""
    main, other = os.openpty()
    with subprocess.Popen(
        [sys.executable, "manage.py", "createsuperuser", "--username", "bob", "--email", "b@x.org"],
        stdin=other,
        stdout=other,
        stderr=other,
        cwd=BASE_DIR,
        env=development_env(database_with_ada),
        start_new_session=True,  # no terminal of its own: getpass reads the one given
    ) as process:
        os.close(other)
        said, typed, deadline = b"", 0, time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if select.select([main], [], [], 0.5)[0]:
                with contextlib.suppress(OSError):  # the other end closed
                    said += os.read(main, 4096)
            asked = said.count(b"Password: ") + said.count(b"Password (again): ")
            if typed < asked:  # the password, then again, as asked
                os.write(main, b"pw\xffpw-12345zz\n")
                typed += 1
        process.kill()
    # What it wrote just before it exited, which the loop above may not have read yet.
    while select.select([main], [], [], 0.5)[0]:
        try:
            read = os.read(main, 4096)
        except OSError:  # every byte read, and the other end closed
            break
        if not read:
            break
        said += read
    os.close(main)
    assert process.returncode == 1, said
    assert b"Traceback" not in said
    assert b"CommandError: What was typed is not UTF-8" in said


def test_a_number_past_pythons_digits_says_so():
    with pytest.raises(CommandError, match=r"\(4301 characters\) has more digits than Python"):
        call_command("seed_catalog", "--products", "9" * 4301, stdout=io.StringIO())
