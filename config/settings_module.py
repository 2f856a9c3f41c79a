"""The settings module, loaded before anything else needs it: the one line that
refuses it, for manage.py, the demo and the web line (config/wsgi.py).

`refused(name)` loads it and says what is wrong in one line: a config var the
settings refuse, a name of no module (a near miss, a path, a blank value, or
another project's settings a shell exports), a module with no settings in it. An
error of the settings module itself keeps its traceback: it is the news.
`named_by(argv)` says whether manage.py's `--settings` or DJANGO_SETTINGS_MODULE
names it, as Django reads the command line."""

import os
from importlib import import_module

# Where Django keeps its settings and its apps: a settings module asks neither as it loads.
DJANGO_STATE = ("django/conf/__init__.py", "django/apps/registry.py")

# What names the settings module: the variable, or manage.py's option.
VARIABLE, OPTION = "DJANGO_SETTINGS_MODULE", "--settings"


def named_by(argv: list[str]) -> str:
    """What names the settings of `manage.py` run with `argv`: OPTION when the command
    line gives it, else VARIABLE. The line is read as Django's ManagementUtility
    reads it and applied as Django applies it (DJANGO_SETTINGS_MODULE set from
    `--settings`, `--pythonpath` put first on sys.path), so the module manage.py
    checks is the one Django then runs with."""
    from django.core.management.base import CommandError, CommandParser, handle_default_options

    parser = CommandParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--settings")
    parser.add_argument("--pythonpath")
    parser.add_argument("args", nargs="*")
    try:
        options, _ = parser.parse_known_args(argv[2:])
    except CommandError:  # Django ignores a line it cannot read here, and so do we
        return VARIABLE
    handle_default_options(options)
    return OPTION if options.settings else VARIABLE


def _subject(name: str, given: str) -> tuple[str, str]:
    """How a line names what was given, and how to go back to config.settings."""
    from config.env import shown  # only then: manage.py loads nothing it need not

    undo = "unset it" if given == VARIABLE else "leave it out"
    return f"{given} is {shown(name)}", undo


def names_no_module_said(name: str, given: str = VARIABLE) -> str:
    """The one line manage.py and the demo print for a `name` that names no module."""
    subject, undo = _subject(name, given)
    return (
        f"Error: {subject}, which names no module here: "
        f"{undo} for config.settings, or name a module by its dotted path."
    )


def holds_no_settings_said(name: str, given: str = VARIABLE) -> str:
    """The one line for a `name` that imports but holds no settings (`config`, say):
    Django would run on its defaults, and a command fail far from the cause."""
    subject, undo = _subject(name, given)
    return (
        f"Error: {subject}, a module with no settings "
        f"(no INSTALLED_APPS): {undo} for config.settings, or name a settings module."
    )


def holds_settings(module) -> bool:
    """Whether `module`, the one DJANGO_SETTINGS_MODULE names, holds a project's
    settings: every one names its apps (Django's own defaults name none)."""
    return bool(getattr(module, "INSTALLED_APPS", None))


def names_no_module(name: str, error: Exception) -> bool:
    """`error`, raised importing the settings module `name`: whether it is about the
    name itself (import_module's ValueError or TypeError for a blank or relative
    one), not an error the settings raise or a module they import."""
    if isinstance(error, ModuleNotFoundError):
        return error.name is not None and f"{name}.".startswith(f"{error.name}.")
    if isinstance(error, ValueError | TypeError):
        return not name or name.startswith(".")
    return False


def reads_django_as_it_loads(name: str, error: BaseException) -> bool:
    """`error`, raised importing the module `name` as the settings: whether that module
    asked for Django's settings or apps as it loaded, as a URLconf, models, an admin
    or a test module does. Django then read the half-loaded module as the settings,
    or had no apps yet, and failed in its own words (AttributeError,
    AppRegistryNotReady, ImproperlyConfigured). A module that had named its apps
    by then is settings, and the error its own bug. Read from the traceback alone:
    finding the module again would import its packages again."""
    loading = None  # the module's namespace, once its own code is in the traceback
    traceback = error.__traceback__
    while traceback is not None:
        frame = traceback.tb_frame
        if frame.f_code.co_name == "<module>" and frame.f_globals.get("__name__") == name:
            loading = frame.f_globals
        elif loading is not None and frame.f_code.co_filename.replace(os.sep, "/").endswith(
            DJANGO_STATE
        ):
            return "INSTALLED_APPS" not in loading
        traceback = traceback.tb_next
    return False


def error_said(name: str, error: BaseException, given: str = VARIABLE) -> str | None:
    """The one line manage.py and the demo print for `error`, raised loading the
    settings module `name` (named by `given`); None when its traceback is the news
    (the settings' own bug)."""
    from django.core.exceptions import ImproperlyConfigured

    if reads_django_as_it_loads(name, error):  # a URLconf, models, ...
        return holds_no_settings_said(name, given)
    if isinstance(error, ImproperlyConfigured):
        # A missing or invalid variable: its message says what to set; a traceback
        # through the settings module would only bury it.
        from config.env import environment_said

        return f"Error: {error}{environment_said()}"
    if names_no_module(name, error):
        return names_no_module_said(name, given)
    return None


def refused(name: str, given: str = VARIABLE) -> str | None:
    """Load the settings module `name` (named by `given`) as Django will: the one line
    that refuses it (a variable the settings refuse, no module of that name, a module
    with no settings), or None when it holds settings. An error of the settings' own
    is raised: its traceback is the news. manage.py asks before any command, and
    config/wsgi.py before gunicorn's preload, each as the release phase says it."""
    try:  # the settings module reads the environment as it loads
        module = import_module(name)
    except Exception as error:
        said = error_said(name, error, given)
        if said is None:
            raise
        return said
    return None if holds_settings(module) else holds_no_settings_said(name, given)
