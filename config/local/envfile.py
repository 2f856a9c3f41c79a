"""How to give the demo a variable, said right for where it comes from.

pipenv loads the checkout's `.env` over the shell's variables, so where `.env`
sets PORT, `PORT=9000 pipenv run demo` still runs on `.env`'s port: a message
telling a newcomer to type that after a bad `.env` value sent them round in a
circle. `run_with(name, value)` says to change `.env` where it sets the name.
"""

import re
from pathlib import Path

ENV_FILE = Path(__file__).resolve().parents[2] / ".env"


def sets(name: str, env_file: Path = ENV_FILE) -> bool:
    """Whether `env_file` assigns `name` (`NAME=...`, or `export NAME=...`)."""
    try:
        text = env_file.read_text(errors="replace")
    except OSError:  # no .env
        return False
    return re.search(rf"^[ \t]*(?:export[ \t]+)?{re.escape(name)}[ \t]*=", text, re.M) is not None


def run_with(name: str, value, env_file: Path = ENV_FILE) -> str:
    """How to run the demo with `name` set to `value`, as the end of a message."""
    if sets(name, env_file):
        return (
            f"set {name}={value} in .env (pipenv reads .env over the shell's variables) "
            "and run pipenv run demo"
        )
    return f"run {name}={value} pipenv run demo"
