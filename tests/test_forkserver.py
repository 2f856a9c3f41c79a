"""tests/forkserver.py: a forked process shows its code what a fresh interpreter shows it."""

import os
import subprocess
import time

import pytest

from tests import forkserver
from tests.processes import BASE_DIR, platform_env, production_env

# What a process can see of how it was started, as one line of JSON.
FACTS = """
import json, os, sys
print(json.dumps({
    "name": __name__,
    "argv": sys.argv,
    "path0": sys.path[0],
    "cwd": os.getcwd(),
    "environ": dict(os.environ),
    "stdin": sys.stdin.read(),
    "encoding": [sys.stdout.encoding, sys.stderr.encoding, sys.stderr.errors],
    "bytecode": sys.dont_write_bytecode,
    "loaded on first use": sorted(
        name for name in sys.modules
        if name.split(".")[0]
        in ("boto3", "botocore", "s3transfer", "storages", "redis", "sentry_sdk", "config")
    ),
}))
print("to stderr", file=sys.stderr)
"""


def fresh(argv: list[str], env: dict[str, str]):
    return forkserver.fresh(argv, env, BASE_DIR, 60)


def forked(argv: list[str], env: dict[str, str], timeout: float = 60):
    done = forkserver.run(argv, env, BASE_DIR, timeout)
    # A fork server's child: not a process this one started.
    assert forkserver.startup_environment(env) in forkserver._servers
    return done


@pytest.mark.parametrize(
    "env",
    [
        production_env(),
        platform_env(),
        platform_env(PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1", TZ="Europe/Paris"),
    ],
    ids=["production", "nothing of the app's", "startup variables of its own"],
)
def test_a_forked_snippet_sees_what_a_fresh_interpreter_shows_it(env):
    expected, seen = fresh(["-c", FACTS], env), forked(["-c", FACTS], env)
    assert expected.returncode == 0, expected.stderr
    assert (seen.returncode, seen.stdout, seen.stderr) == (0, expected.stdout, expected.stderr)
    assert '"loaded on first use": []' in seen.stdout


def test_a_forked_script_gets_its_arguments_and_its_folder_on_the_path(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(FACTS)
    expected = fresh([str(script), "--flag", "value"], platform_env())
    seen = forked([str(script), "--flag", "value"], platform_env())
    assert expected.returncode == 0, expected.stderr
    assert (seen.returncode, seen.stdout) == (0, expected.stdout)
    assert f'"argv": ["{script}", "--flag", "value"], "path0": "{tmp_path}"' in seen.stdout


@pytest.mark.parametrize(
    ("code", "status", "said"),
    [
        ("import sys; sys.exit(3)", 3, ""),
        ("import sys; sys.exit('stopped: why')", 1, "stopped: why\n"),
        ("raise ValueError('bad value')", 1, "ValueError: bad value\n"),
        ("import os, signal; os.kill(os.getpid(), signal.SIGTERM)", -15, ""),
        ("import sys; sys.stdout.write('no newline')", 0, ""),
    ],
    ids=["exit status", "exit message", "exception", "signal", "unflushed output"],
)
def test_exit_status_and_output_are_a_fresh_interpreters(code, status, said):
    expected, seen = fresh(["-c", code], platform_env()), forked(["-c", code], platform_env())
    assert (expected.returncode, seen.returncode) == (status, status)
    assert seen.stdout == expected.stdout
    assert expected.stderr.endswith(said)
    assert seen.stderr.endswith(said)


def test_each_child_starts_its_own_random_sequence_and_leaves_the_next_one_clean():
    draw = "import random, sys; print(random.random(), 'x' in sys.modules); import x"
    env = {**platform_env(), "PYTHONPATH": ""}
    first, second = forked(["-c", draw], env), forked(["-c", draw], env)
    assert first.stdout.split()[0] != second.stdout.split()[0]
    assert first.stdout.split()[1] == second.stdout.split()[1] == "False"
    assert "ModuleNotFoundError" in second.stderr


def test_a_child_past_its_timeout_is_killed(tmp_path):
    marker = tmp_path / "still running"
    code = f"import time; print('started', flush=True); time.sleep(3); open({str(marker)!r}, 'w')"
    with pytest.raises(subprocess.TimeoutExpired) as expired:
        forked(["-c", code], platform_env(), 1)
    assert expired.value.output == "started\n"
    time.sleep(4)
    assert not marker.exists()
    assert forked(["-c", "print('next')"], platform_env()).stdout == "next\n"


def test_measured_processes_start_fresh_interpreters():
    """Coverage starts with the interpreter: a request carrying its variables is not forked."""
    env = platform_env(COVERAGE_MARKER="1")
    done = forkserver.run(["-c", "import os; print(os.getppid())"], env, BASE_DIR, 60)
    assert done.stdout.strip() == str(os.getpid())
