"""A `.env` line pipenv's python-dotenv cannot parse: pipenv skips it with a logged
line number and no name, and the setting kept its default. The demo names it."""

import logging
import socket

import pytest
from dotenv import dotenv_values

from config.local import envfile
from config.local.demo import BASE_DIR
from config.local.envfile import unread_lines
from tests.local.demoproc import start_demo
from tests.processes import bindable

UNSET = "was left unset by it (the shell's value or its default stands)"
QUOTES = "put the whole value in single quotes, as .env.example shows"


@pytest.mark.parametrize(
    ("text", "line", "name", "hint"),
    [
        # .env.example asks for the outer single quotes around this one.
        ('DEFAULT_FROM_EMAIL="Shop, Inc" <noreply@example.com>\n', 1, "DEFAULT_FROM_EMAIL", True),
        # pipenv says "line 2" here, where the blank lines before it start.
        ('A=1\n\n\nDEFAULT_FROM_EMAIL="Shop" <a@x.io>\nC=2\n', 4, "DEFAULT_FROM_EMAIL", True),
        ('A=1\r\n\r\nB="x" y\r\n', 3, "B", True),
        ("\ufeffA=1\nB='x' y\n", 2, "B", True),
        ("  export 'EMAIL_HOST_PASSWORD' = 'se cret' tail\n", 1, "EMAIL_HOST_PASSWORD", True),
        ('A=1\nB="one\ntwo" three\nC=2\n', 2, "B", True),  # a value over two lines
        ('# EMAIL_HOST=x\nEMAIL_HOST_USER="unterminated\nC=2\n', 2, "EMAIL_HOST_USER", True),
        ("A=1\nSERVER EMAIL=x\n", 2, None, False),  # no name= at its start
        ("A=1\nB 2\n", 2, None, False),
        # A value's second line, written without quotes: what comes before its first
        # "=" is part of the value (a secret's base64 padding), never a name to show.
        ('G={\n"client_id":"1234","client_secret":"GOCSPX-Zx9=","x":"y"\n}\n', 2, None, False),
        ('"SECRET_KEY"="se cret" tail\n', 1, None, False),  # quotes of a value, not a name
    ],
)
def test_a_line_pipenv_cannot_read_is_named_with_its_variable(tmp_path, text, line, name, hint):
    env_file = tmp_path / ".env"
    env_file.write_text(text, newline="")
    said = unread_lines(env_file)
    assert len(said) == 1
    assert said[0].startswith(f"Line {line} of .env could not be read (as pipenv reads it): ")
    assert (QUOTES in said[0]) is hint
    assert "\n" not in said[0]
    if name is None:
        assert said[0].endswith(": nothing was set from it.")
    else:
        assert f": {name} {UNSET}" in said[0]
        assert name not in dotenv_values(env_file)  # as pipenv reads it: unset
    # A value may be a password.
    for value in ("Shop", "se cret", "one", "unterminated", "client", "GOCSPX"):
        assert value not in said[0]


def test_a_variable_another_line_sets_is_said_to_keep_that_value(tmp_path):
    env_file = tmp_path / "other.env"
    env_file.write_text('A=1\nA="2" x\nB="3" x\nB=4\nC=5\nC="6" x\nC\n')
    said = unread_lines(env_file)
    assert said == [
        f"Line 2 of {env_file} could not be read (as pipenv reads it): A keeps the "
        f"value another line of {env_file} gives it.",
        f"Line 3 of {env_file} could not be read (as pipenv reads it): B keeps the "
        f"value another line of {env_file} gives it.",
        # `C` alone, the last statement of C, sets nothing: pipenv leaves it unset.
        f"Line 6 of {env_file} could not be read (as pipenv reads it): C {UNSET}. "
        "A value that starts with a quote ends at its closing quote: " + QUOTES + ".",
    ]
    assert dotenv_values(env_file) == {"A": "1", "B": "4", "C": None}


@pytest.mark.parametrize(
    "text", ["", "A=1\n", 'A=\'x, y\' # comment\nB="x y"\n# C="x" y\n', "A=x y <z>\n"]
)
def test_a_file_pipenv_reads_whole_says_nothing(tmp_path, text):
    env_file = tmp_path / ".env"
    env_file.write_text(text)
    assert unread_lines(env_file) == []


def test_no_file_pipenv_loads_says_nothing(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text('B="x" y\n')
    monkeypatch.setattr(envfile, "ENV_FILE", tmp_path / ".env")
    monkeypatch.delenv("PIPENV_DOTENV_LOCATION", raising=False)
    monkeypatch.setenv("PIPENV_DONT_LOAD_ENV", "1")
    assert unread_lines() == []
    monkeypatch.delenv("PIPENV_DONT_LOAD_ENV")
    assert len(unread_lines()) == 1
    monkeypatch.setenv("PIPENV_DOTENV_LOCATION", str(tmp_path / "none.env"))
    assert unread_lines() == []
    (tmp_path / "bad.env").write_bytes(b'A="\xff" x\n')  # not UTF-8: pipenv fails too
    monkeypatch.setenv("PIPENV_DOTENV_LOCATION", str(tmp_path / "bad.env"))
    assert unread_lines() == []


def test_the_demo_says_it_first_and_once(tmp_path):
    """Before anything else (here a busy port, which stops it at once), and once:
    the demo's own reading of the file for its messages logs nothing again."""
    env_file = tmp_path / "demo.env"
    env_file.write_text('PORT=1\nDEFAULT_FROM_EMAIL="Shop, Inc" <noreply@example.com>\n')
    with socket.socket() as other:
        other.bind(("127.0.0.1", next(p for p in range(18_000, 19_000) if bindable(p))))
        other.listen()
        busy = str(other.getsockname()[1])
        web = start_demo(
            "postgres://unused@127.0.0.1:9/none",
            tmp_path / "s3",
            busy,
            PIPENV_DOTENV_LOCATION=str(env_file),
        )
        web.process.wait(60)
    assert web.process.returncode == 2
    lines = web.output().splitlines()
    assert lines[0] == (
        f"Line 2 of {env_file} could not be read (as pipenv reads it): DEFAULT_FROM_EMAIL "
        f"{UNSET}. A value that starts with a quote ends at its closing quote: {QUOTES}."
    )
    assert lines[1].startswith(f"Port {busy} is in use on 127.0.0.1: stop what uses it or set ")
    assert len(lines) == 2, lines


def test_pipenvs_python_dotenv_logs_only_a_line_number_as_the_docs_say(tmp_path, caplog):
    """What pipenv shows of it (its vendored python-dotenv is this version): a line
    number, where the blank lines before the statement start, and no name."""
    env_file = tmp_path / ".env"
    env_file.write_text('A=1\n\n\nDEFAULT_FROM_EMAIL="Shop, Inc" <noreply@example.com>\n')
    with caplog.at_level(logging.WARNING):
        values = dotenv_values(env_file)
    assert [record.getMessage() for record in caplog.records] == [
        "python-dotenv could not parse statement starting at line 2"
    ]
    assert values == {"A": "1"}
    assert unread_lines(env_file)[0].startswith("Line 4 of .env could not be read")
    said = "could not parse statement starting at line"
    for doc in (".env.example", "README.md"):
        lines = (BASE_DIR / doc).read_text().splitlines()
        text = " ".join(" ".join(line.lstrip("#") for line in lines).split())
        assert said in text, doc
        assert "where blank lines before it start" in text or "where any blank lines" in text
