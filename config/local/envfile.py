"""How to give the demo a variable, said right for where it comes from.

pipenv loads the checkout's `.env` over the shell's variables, so where `.env`
sets PORT, `PORT=9000 pipenv run demo` still runs on `.env`'s port: a message
telling a newcomer to type that after a bad `.env` value sent them round in a
circle. `run_with(name, value)` says to change `.env` where it sets the name.

The file is the one pipenv loads, read as pipenv reads it: with python-dotenv
(a BOM, quoted names, CRLF, multi-line values), none under PIPENV_DONT_LOAD_ENV,
and PIPENV_DOTENV_LOCATION's in place of `.env`. `unread_lines()` names each line
of it pipenv could not parse, which it skipped: the demo says so first.
"""

import os
import re
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


def statements(env_file: Path | None = None) -> list:
    """The statements of `env_file` (by default the file pipenv loads) as pipenv's
    python-dotenv parses them, read as it opens the file; none if there is no
    file or it cannot be read (pipenv could not load it either). Its parser, not
    `dotenv_values`, which logs each statement it cannot parse once more."""
    from dotenv.parser import parse_stream  # pipenv's reader; a dev package, as the demo is

    env_file = env_file or loaded_file()
    if env_file is None or not env_file.is_file():
        return []
    try:
        with open(env_file, encoding="utf-8") as stream:
            return list(parse_stream(stream))
    except (OSError, UnicodeDecodeError):
        return []


def set_names(found: list) -> set[str]:
    """The names those statements set: the last statement of a name wins, and a name
    without `=` sets nothing (pipenv leaves the shell's value)."""
    values = {binding.key: binding.value for binding in found if binding.key is not None}
    return {name for name, value in values.items() if value is not None}


def sets(name: str, env_file: Path | None = None) -> bool:
    """Whether pipenv sets `name` from `env_file` (by default the file it loads)."""
    return name in set_names(statements(env_file))


# The start of a statement: its name, as python-dotenv reads one (`export`, single
# quotes), and only a variable's name: what comes before the first "=" of a line
# that is no statement of its own (a value's second line, written without quotes)
# is part of a value, which may be a secret.
NAME = r"[A-Za-z_][A-Za-z0-9_]*"
STATEMENT_NAME = re.compile(rf"\s*(?:export[^\S\r\n]+)?(?:'({NAME})'|({NAME}))[^\S\r\n]*=")


def unread_lines(env_file: Path | None = None) -> list[str]:
    """One line for each statement of the file pipenv loads that python-dotenv
    cannot parse (`DEFAULT_FROM_EMAIL="Shop, Inc" <noreply@example.com>`, the outer
    single quotes left out). pipenv skips it with a logged warning that gives no
    name, and the line where the blank lines before it start: the setting silently
    kept its default. Each names the line and the variable, never the value (it
    may be a password)."""
    env_file = env_file or loaded_file()
    found = statements(env_file)
    if not found:
        return []
    shown = env_file.name if env_file.name == ".env" else str(env_file)
    set_elsewhere = set_names(found)
    said = []
    for binding in found:
        if not binding.error:
            continue
        text = binding.original.string
        blank = text[: len(text) - len(text.lstrip())]
        line = binding.original.line + len(re.findall(r"\r\n|\r|\n", blank))
        start = f"Line {line} of {shown} could not be read (as pipenv reads it)"
        if (match := STATEMENT_NAME.match(text)) is None:
            said.append(f"{start}: nothing was set from it.")
            continue
        name = match.group(1) or match.group(2)
        if name in set_elsewhere:
            said.append(f"{start}: {name} keeps the value another line of {shown} gives it.")
            continue
        hint = ""
        if text[match.end() :].lstrip()[:1] in ("'", '"'):
            hint = (
                " A value that starts with a quote ends at its closing quote: put the "
                "whole value in single quotes, as .env.example shows."
            )
        said.append(
            f"{start}: {name} was left unset by it (the shell's value or its default stands).{hint}"
        )
    return said


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
