"""tests/forkserver.py: a forked process shows its code what a fresh interpreter shows it."""

import json
import os
import subprocess

import pytest

from tests import forkserver
from tests.processes import BASE_DIR, platform_env, production_env, unmeasured

# What a process can see of how it was started, as one line of JSON.
FACTS = """
import json, os, sys, time
def stream(s):
    buffer = s.buffer
    return [type(buffer).__name__, getattr(buffer, "raw", buffer).name, s.encoding, s.errors,
            s.line_buffering, s.write_through, s.mode, getattr(buffer, "buffer_size", 0)]
print(json.dumps({
    "parent": os.getppid(),
    "name": __name__,
    "main": [repr(globals().get(name, "unset")) for name in ("__file__", "__cached__", "__spec__")],
    "loader": getattr(__loader__, "__name__", type(__loader__).__name__),
    "argv": sys.argv,
    "orig_argv": sys.orig_argv,
    "path0": sys.path[0],
    "cwd": os.getcwd(),
    "environ": dict(os.environ),
    "stdin": sys.stdin.read(),
    "streams": [stream(sys.stdin), stream(sys.stdout), stream(sys.stderr)],
    "bytecode": sys.dont_write_bytecode,
    "time zone": time.tzname,
    "loaded on first use": sorted(
        name for name in sys.modules
        if name.split(".")[0]
        in ("boto3", "botocore", "s3transfer", "storages", "redis", "sentry_sdk", "config")
    ),
}))
print("to stderr", file=sys.stderr)
"""
ARGS = ["one", "two"]
UNBUFFERED = {"PYTHONUNBUFFERED": "1"}


def fresh(argv: list[str], env: dict[str, str]):
    return forkserver.fresh(argv, env, BASE_DIR, 60)


def forked(argv: list[str], env: dict[str, str], timeout: float = 60):
    return forkserver.run(argv, env, BASE_DIR, timeout)


def facts(done: subprocess.CompletedProcess) -> tuple[dict, int]:
    """What FACTS printed, and the parent it named."""
    assert done.returncode == 0, done.stderr
    assert done.stderr == "to stderr\n"
    seen = json.loads(done.stdout)
    return seen, seen.pop("parent")


def server_of(env: dict[str, str]) -> forkserver.Server:
    """The server `env`'s requests go to (server_for() hands it out locked)."""
    server = forkserver.server_for(env)
    server.lock.release()
    return server


def server_pid(env: dict[str, str]) -> int:
    return server_of(env).process.pid


def without_locale() -> dict[str, str]:
    return {k: v for k, v in platform_env().items() if k != "LANG" and not k.startswith("LC_")}


@pytest.mark.parametrize(
    "env",
    [
        unmeasured(production_env()),
        platform_env(),
        platform_env(**UNBUFFERED),
        {**without_locale(), "PYTHONDONTWRITEBYTECODE": "1", "TZ": "Europe/Paris"},
    ],
    ids=["production", "nothing of the app's", "unbuffered", "start-up variables of its own"],
)
def test_a_forked_snippet_sees_what_a_fresh_interpreter_shows_it(env):
    expected, parent = facts(fresh(["-c", FACTS, *ARGS], env))
    seen, server = facts(forked(["-c", FACTS, *ARGS], env))
    assert parent == os.getpid()
    assert server == server_pid(env)
    assert seen == expected
    assert seen["loaded on first use"] == []
    assert seen["argv"] == ["-c", *ARGS]


def test_a_forked_script_sees_what_a_fresh_interpreter_shows_it(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(FACTS)
    expected, _ = facts(fresh([str(script), *ARGS], platform_env()))
    seen, server = facts(forked([str(script), *ARGS], platform_env()))
    assert server == server_pid(platform_env())
    assert seen == expected
    assert (seen["argv"], seen["path0"]) == ([str(script), *ARGS], str(tmp_path))


@pytest.mark.parametrize(
    ("code", "env", "status", "out"),
    [
        ("import sys; sys.exit(3)", {}, 3, ""),
        ("import sys; sys.exit('stopped: why')", {}, 1, ""),
        ("def f():\n    raise ValueError('bad')\nf()", {}, 1, ""),
        ("import os, signal; os.kill(os.getpid(), signal.SIGTERM)", {}, -15, ""),
        ("import atexit; atexit.register(print, 'bye'); raise KeyboardInterrupt", {}, -2, "bye\n"),
        ("def", {}, 1, ""),
        ("import sys; sys.stdout.write('no newline')", {}, 0, "no newline"),
        ("import os, sys; sys.stdout.write('partial'); os._exit(4)", UNBUFFERED, 4, "partial"),
        ("import os, sys; sys.stdout.write('partial'); os._exit(4)", {}, 4, ""),
        ("print('a\\r\\nb\\rc')", {}, 0, "a\nb\nc\n"),
    ],
    ids=[
        "exit status",
        "exit message",
        "exception",
        "signal",
        "Ctrl-C",
        "syntax error",
        "unflushed output",
        "unbuffered output",
        "buffered output",
        "newlines",
    ],
)
def test_exit_status_and_output_are_a_fresh_interpreters(code, env, status, out):
    env = platform_env(**env)
    expected, seen = fresh(["-c", code], env), forked(["-c", code], env)
    assert (expected.returncode, expected.stdout) == (status, out)
    assert (seen.returncode, seen.stdout, seen.stderr) == (status, out, expected.stderr)


def test_each_child_starts_its_own_random_sequence_and_leaves_the_next_one_clean():
    # wave: a module of the standard library that nothing preloads.
    draw = "import random, sys; print(random.random(), 'wave' in sys.modules); import wave"
    first, second = forked(["-c", draw], platform_env()), forked(["-c", draw], platform_env())
    assert first.stdout.split()[0] != second.stdout.split()[0]
    assert first.stdout.split()[1] == second.stdout.split()[1] == "False"


def test_a_child_past_its_timeout_is_killed():
    """Had the child not been killed, the server would report no status within its 60 s
    and the error would be the server's."""
    code = "import time; print('started', flush=True); time.sleep(600)"
    server = server_of(platform_env())
    with pytest.raises(subprocess.TimeoutExpired) as expired:
        forked(["-c", code], platform_env(), 5)
    assert expired.value.output == b"started\n"
    assert forked(["-c", "print('next')"], platform_env()).stdout == "next\n"
    assert server_of(platform_env()) is server  # the same server serves on


def test_a_script_that_is_not_there_is_refused_as_a_fresh_interpreter_refuses_it(tmp_path):
    missing = [str(tmp_path / "missing.py")]
    expected, seen = fresh(missing, platform_env()), forked(missing, platform_env())
    assert (
        (seen.returncode, seen.stderr)
        == (expected.returncode, expected.stderr)
        == (
            2,
            f"{forkserver.sys.executable}: can't open file {missing[0]!r}: "
            "[Errno 2] No such file or directory\n",
        )
    )


def test_measured_or_large_requests_and_a_busy_server_start_fresh_interpreters():
    """Coverage starts with the interpreter: a request carrying its variables is not
    forked; nor is one too large for a message, nor one made while the server runs
    another (from a second thread)."""
    parent = "import os; print(os.getppid())"
    measured = forkserver.run(["-c", parent], platform_env(COVERAGE_MARKER="1"), BASE_DIR, 60)
    large = forkserver.run(["-c", parent + "#" * 70_000], platform_env(), BASE_DIR, 60)
    with server_of(platform_env()).lock:
        busy = forkserver.run(["-c", parent], platform_env(), BASE_DIR, 60)
    assert [done.stdout.strip() for done in (measured, large, busy)] == [str(os.getpid())] * 3


def test_a_server_that_died_is_named_and_replaced():
    dead = server_of(platform_env())
    dead.process.kill()
    dead.process.wait()
    with pytest.raises(forkserver.ServerError, match=f"server {dead.process.pid}"):
        forked(["-c", "print('lost')"], platform_env())
    assert forked(["-c", "print('again')"], platform_env()).stdout == "again\n"
    assert server_of(platform_env()) is not dead


def test_at_most_two_servers_run_and_the_one_used_longest_ago_stops():
    first, second, third = (platform_env(TZ=zone) for zone in ("UTC", "Asia/Tokyo", "Europe/Rome"))
    servers = {}
    for env in (first, second, first, third):
        seen, server = facts(forked(["-c", FACTS], env))
        assert server == server_pid(env)
        assert seen == facts(fresh(["-c", FACTS], env))[0]
        servers[env["TZ"]] = server_of(env)
    startups = [forkserver.startup_environment(env) for env in (first, third)]
    assert list(forkserver._servers) == startups
    assert servers["Asia/Tokyo"].process.returncode == 0  # it stopped
    # The one that would stop is busy: a fresh interpreter instead.
    with servers["UTC"].lock:
        done = forked(["-c", "import os; print(os.getppid())"], second)
    assert done.stdout == f"{os.getpid()}\n"
