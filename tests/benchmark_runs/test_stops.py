"""Every benchmark stops as a management command does (config/cancel_on_stop.py's
`run`): on Ctrl-C, SIGTERM or SIGHUP it prints no traceback, ends by the signal
(a non-zero exit a shell script sees), and leaves nothing behind. Before, Ctrl-C
printed a KeyboardInterrupt traceback, SIGTERM left the local PostgreSQL running
(its atexit stop never ran) and demo_start's exported checkout (45 MB, with a
.pgdata) in the temporary folder.

Each benchmark runs with sizes that keep it going when the signal comes, a moment
after it has started what it starts, and no larger: with seeds of a million
products on the local PostgreSQL the other tests share, two suite runs each had a
browser test's page wait past its 30 s."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from config.local.postgres import PGDATA
from tests.processes import BASE_DIR, wait_for


def postgres_users() -> list[int]:
    """The processes on the local PostgreSQL's list of users: the package stops the
    server when the last of them takes itself off at exit (config/local/postgres.py)."""
    try:
        return json.loads((PGDATA / ".handle_pids.json").read_text())
    except (OSError, ValueError):  # not there yet, or being written
        return []


def uses_postgres(process: subprocess.Popen) -> bool:
    return process.pid in postgres_users()


def has_children(process: subprocess.Popen) -> bool:
    return bool(psutil.Process(process.pid).children())


def printed_a_line(process: subprocess.Popen) -> bool:
    return bool(process.stdout.readline())


def as_a_terminals_job() -> None:
    for signum in (signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


# (module, arguments, what shows it has started what it starts, the stop it gets):
# each stop goes to two benchmarks or more, SIGTERM and SIGHUP to demo_start's
# export and a database's users.
BENCHMARKS = [
    ("tests.bench.jpeg_scans", ["--side", "5000"], printed_a_line, signal.SIGINT),
    ("tests.bench.s3_sessions", ["--threads", "200"], has_children, signal.SIGTERM),
    ("tests.bench.forkserver", ["--runs", "1000"], uses_postgres, signal.SIGHUP),
    ("tests.bench.reset_timing", ["--requests", "2499"], uses_postgres, signal.SIGINT),
    ("tests.bench.render", ["--products", "20000"], uses_postgres, signal.SIGTERM),
    ("tests.bench.load", ["--products", "20000", "--no-redis"], uses_postgres, signal.SIGHUP),
    ("tests.bench.demo_start", ["--runs", "1"], has_children, signal.SIGTERM),
]
TEMPORARY = Path(tempfile.gettempdir())


@pytest.mark.parametrize(
    ("module", "arguments", "started", "signum"),
    BENCHMARKS,
    ids=[f"{b[0].split('.')[-1]}-{b[3].name.lower()}" for b in BENCHMARKS],
)
def test_a_stopped_benchmark_ends_by_the_signal_and_leaves_nothing_behind(
    module, arguments, started, signum
):
    if module == "tests.bench.load" and shutil.which("wrk") is None:
        pytest.skip("the load benchmark needs Debian's wrk before it starts")
    exported = set(TEMPORARY.glob("demo-start-*"))  # demo_start's (another run's too)
    process = subprocess.Popen(
        [sys.executable, "-m", module, *arguments],
        cwd=BASE_DIR,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Its own process group, as a terminal's foreground job: Ctrl-C reaches it all.
        start_new_session=True,
        # With the stops a terminal's job gets, whatever this run was started with:
        # under nohup, or in a shell's background, SIGHUP or SIGINT is ignored, and a
        # benchmark, as a management command, leaves it so.
        preexec_fn=as_a_terminals_job,
    )
    started_children: list[psutil.Process] = []
    try:
        wait_for(lambda: started(process) or process.poll() is not None, 120)
        assert process.poll() is None, process.stderr.read()
        time.sleep(1)  # a moment into what it does
        started_children = psutil.Process(process.pid).children(recursive=True)
        if signum == signal.SIGINT:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    left = set(TEMPORARY.glob("demo-start-*")) - exported
    for folder in left:
        shutil.rmtree(folder, ignore_errors=True)
    assert "Traceback" not in stderr, stderr
    assert len(stderr.splitlines()) <= 1, stderr
    assert process.returncode == -signum
    # Its children have ended (a demo stops its own PostgreSQL before it ends).
    wait_for(lambda: not any(child.is_running() for child in started_children), 60)
    # It took itself off the local PostgreSQL's users: its atexit stop ran.
    assert process.pid not in postgres_users()
    assert left == set()
