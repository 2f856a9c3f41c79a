"""How to give the demo a variable, said right for where it comes from.

pipenv loads the checkout's `.env` over the shell's variables, so where `.env`
sets PORT, `PORT=9000 pipenv run demo` still runs on `.env`'s port: a message
telling a newcomer to type that after a bad `.env` value sent them round in a
circle. `run_with(name, value)` says to change `.env` where it sets the name.

The file is the one pipenv loads, read as pipenv reads it: with python-dotenv
(a BOM, quoted names, CRLF, multi-line values), none under PIPENV_DONT_LOAD_ENV,
and PIPENV_DOTENV_LOCATION's in place of `.env`.
"""

import os
from pathlib import Path

ENV_FILE = Path(__file__).resolve().parents[2] / ".env"
# How pipenv reads a yes-or-no variable (pipenv.utils.shell.env_to_bool); any other
# value counts as set.
FALSE_WORDS = ("0", "false", "no", "off")


def loaded_file() -> Path | None:
    """The file `pipenv run` loads variables from, if any, as pipenv chooses it."""
    dont_load = os.environ.get("PIPENV_DONT_LOAD_ENV", "")
    if dont_load and dont_load.lower() not in FALSE_WORDS:
        return None
    location = os.environ.get("PIPENV_DOTENV_LOCATION", "")
    if location and location.lower() not in FALSE_WORDS:
        return Path(location)
    return ENV_FILE


def sets(name: str, env_file: Path | None = None) -> bool:
    """Whether pipenv sets `name` from `env_file` (by default the file it loads)."""
    from dotenv import dotenv_values  # pipenv's reader; a dev package, as the demo is

    env_file = env_file or loaded_file()
    if env_file is None or not env_file.is_file():
        return False
    try:
        return dotenv_values(env_file).get(name) is not None
    except (OSError, UnicodeDecodeError):  # unreadable: pipenv could not load it either
        return False


def run_with(name: str, value, env_file: Path | None = None) -> str:
    """How to run the demo with `name` set to `value`, as the end of a message."""
    env_file = env_file or loaded_file()
    if env_file is not None and sets(name, env_file):
        shown = env_file.name if env_file.name == ".env" else str(env_file)
        return (
            f"set {name}={value} in {shown} (pipenv reads it over the shell's "
            "variables) and run pipenv run demo"
        )
    return f"run {name}={value} pipenv run demo"
