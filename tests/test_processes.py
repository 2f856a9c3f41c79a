"""tests/processes.py: which processes the tests start carry coverage's variables
(pyproject.toml, patch), and the ports their servers are given."""

import fcntl
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import (
    BASE_DIR,
    PORT_CLAIMS,
    PORTS_FROM,
    PORTS_PER_WORKER,
    STATIC_ROOT_LOCK,
    WebProcess,
    claim_block,
    disk_state,
    ends_with_its_starter,
    free_port,
    platform_env,
    port_block,
    process_log,
    production_env,
    released_database,
    run_python,
    serving,
    static_root_held,
    wait_for,
    worker_number,
)

MARKER = "COVERAGE_MARKER_OF_THIS_TEST"  # stands for COVERAGE_PROCESS_CONFIG and the like
CLAIM = "from tests.processes import claim_block"
SHOW = "import os; print(sorted(k for k in os.environ if k.startswith('COVERAGE_')))"


def environ_of(pid: int) -> dict[str, str]:
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(entry.decode().split("=", 1) for entry in entries if entry)


def test_web_processes_run_unmeasured_and_short_lived_ones_measured(monkeypatch):
    monkeypatch.setenv(MARKER, "1")
    env = production_env(DATABASE_URL=released_database("coverage_scope"))
    assert env[MARKER] == "1"

    probe = run_python(SHOW, env)
    assert probe.returncode == 0, probe.stderr
    assert MARKER in probe.stdout

    with serving(env) as web:
        assert not [key for key in environ_of(web.process.pid) if key.startswith("COVERAGE_")]
    with serving(env, measured=True) as web:
        assert environ_of(web.process.pid)[MARKER] == "1"


def test_free_ports_are_this_workers_own_and_never_given_twice():
    """Two workers' servers, each still starting, must not be handed one port
    (tests/local/test_demo.py once reached another worker's web process)."""
    given = [free_port() for _ in range(5)]
    assert len(set(given)) == 5
    assert all(port in port_block() for port in given)
    low, _ = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    assert port_block().stop <= int(low)  # the kernel never picks these itself
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", given[-1] + 1))
        taken.listen()
        assert free_port() == given[-1] + 2


def test_a_block_another_test_process_holds_is_passed_over(tmp_path):
    """Two test runs on one machine (two checkouts, a benchmark a test starts) each
    had their worker 0 take the same block, and a test of one was answered by the
    other's web process. A block is held by a lock file until its process exits."""
    mine = port_block()
    number = (mine.start - PORTS_FROM) // PORTS_PER_WORKER
    held = os.open(PORT_CLAIMS / f"block-{number}", os.O_RDONLY)
    try:
        with pytest.raises(BlockingIOError):  # this process holds its own block
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(held)
    other = subprocess.run(
        [sys.executable, "-c", f"{CLAIM}; print(claim_block({number}).start)"],
        capture_output=True,
        text=True,
        cwd=BASE_DIR,
    )
    assert other.returncode == 0, other.stderr
    assert int(other.stdout) != mine.start
    # Blocks held elsewhere are passed over in turn, from the one asked for.
    claims = tmp_path / "claims"
    first = claim_block(3, claims)
    assert first.start == PORTS_FROM + 3 * PORTS_PER_WORKER
    assert claim_block(3, claims).start == first.start + PORTS_PER_WORKER
    # Every user's runs share the folder, whatever the umask of the first: anyone
    # may add a file and open one to lock it.
    assert stat.S_IMODE(claims.stat().st_mode) == 0o1777
    assert {stat.S_IMODE(path.stat().st_mode) for path in claims.iterdir()} == {0o444}


def test_static_root_is_one_process_at_a_time():
    """Two benchmarks started together each ran collectstatic into the same
    STATIC_ROOT, and one ended in a traceback over a file the other had removed."""
    with static_root_held():
        other = os.open(STATIC_ROOT_LOCK, os.O_RDONLY)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(other)
    free = os.open(STATIC_ROOT_LOCK, os.O_RDONLY)
    try:
        fcntl.flock(free, fcntl.LOCK_EX | fcntl.LOCK_NB)  # let go at the block's end
    finally:
        os.close(free)


def test_worker_numbers_come_from_xdist(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw3")
    assert worker_number() == 3
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    assert worker_number() == 0


# What Heroku's Python buildpack writes into .profile.d for every process of a
# dyno, Heroku CI's test run included (heroku-buildpack-python, bin/compile). Its
# Python is a shared build without a run path: a process started without
# LD_LIBRARY_PATH cannot load libpython and exits before running a line.
DYNO_INTERPRETER = {
    "LD_LIBRARY_PATH": "/app/.heroku/python/lib",
    "LIBRARY_PATH": "/app/.heroku/python/lib",
    "PYTHONHOME": sys.base_prefix,  # where the stdlib is; /app/.heroku/python on a dyno
}
SHOW_INTERPRETER = f"import os; print([os.environ.get(k) for k in {sorted(DYNO_INTERPRETER)}])"


@pytest.mark.parametrize(
    "build",
    [production_env, platform_env, lambda: {**platform_env(), "PATH": ""}],
    ids=["production_env", "platform_env", "platform_env without PATH"],
)
def test_the_processes_tests_start_keep_what_a_dyno_gives_the_interpreter(monkeypatch, build):
    for name, value in DYNO_INTERPRETER.items():
        monkeypatch.setenv(name, value)
    probe = run_python(SHOW_INTERPRETER, build())
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == str([DYNO_INTERPRETER[k] for k in sorted(DYNO_INTERPRETER)])


def test_the_in_dyno_databases_files_in_the_app_folder_are_not_the_apps(tmp_path):
    """On Heroku CI the in-dyno PostgreSQL (heroku-buildpack-ci-postgresql) keeps its
    data in .indyno/ of the app folder and logs to .pg.log there: another test
    worker's queries change them while a test checks that the app wrote nothing."""
    (tmp_path / "manage.py").write_text("app")
    wal = tmp_path / ".indyno" / "vendor" / "postgresql" / "data" / "pg_wal" / "000000010"
    wal.parent.mkdir(parents=True)
    wal.write_text("one")
    (tmp_path / ".pg.log").write_text("checkpoint starting")
    before = disk_state(tmp_path)
    wal.write_text("one and two")
    (tmp_path / ".pg.log").write_text("checkpoint starting\ncheckpoint complete")
    assert disk_state(tmp_path) == before
    assert list(before) == ["manage.py"]


def test_reading_a_process_log_midway_loses_none_of_what_the_process_writes_next():
    # The log is the child's stdout: one open file, one position, shared. output()
    # seeks to the start to read it; a line the child wrote in that moment (an
    # access log line just after the answer a test waited for) went to the start
    # and overwrote what the test read next.
    log = process_log()
    code = "import sys; print('first', flush=True); sys.stdin.read(1); print('second')"
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=log,
    )
    web = WebProcess(child, 0, log)
    try:
        wait_for(lambda: "first" in web.output(), seconds=30)
        log.seek(0)  # where output() reads from, while the child goes on
        child.communicate(b"x", timeout=30)
    finally:
        child.kill()
        child.wait()
    assert web.output() == "first\nsecond\n"


class WrittenBetweenSeekAndRead:
    """A process log whose process writes a line just after each seek: what a web
    process logging a request does at any moment."""

    def __init__(self, log, line: bytes):
        self.log, self.line = log, line
        self.process_stdout = os.dup(log.fileno())  # the same open file, one position

    def fileno(self):
        return self.log.fileno()

    def seek(self, *args):
        found = self.log.seek(*args)
        os.write(self.process_stdout, self.line)  # appended: the position goes to the end
        return found

    def read(self, *args):
        return self.log.read(*args)


def test_a_line_written_while_the_log_is_read_hides_none_before_it():
    """The demo's first lines were missing from output() once: the process's write
    between output()'s seek to the start and its read moved the one position to the end."""
    log = process_log()
    os.write(log.fileno(), b"Local S3 server on ...\n")
    racing = WrittenBetweenSeekAndRead(log, b"GET /healthz 200\n")
    web = WebProcess(None, 0, racing)
    assert web.output().startswith("Local S3 server on ...\n")


STARTS = {
    "web line": (
        "from tests.processes import production_env, start_web\n"
        "web = start_web(production_env(DATABASE_URL='postgres://u:p@127.0.0.1:9/none'))\n"
        "web.wait_until_serving('/static/css/site.css', timeout=120)\n"
        "print(web.process.pid, flush=True)\n"
    ),
    "redis-server": (
        "import tempfile\n"
        "from pathlib import Path\n"
        "from tests import redisserver\n"
        "server = redisserver.start(Path(tempfile.mkdtemp()))\n"
        "print(server.process.pid, flush=True)\n"
    ),
}


@pytest.mark.parametrize("started", list(STARTS))
def test_a_server_ends_with_the_process_that_started_it(started):
    """A load benchmark killed by a test's timeout left its gunicorn serving, on its
    port, for an hour, and its redis-server. The servers the tests and benchmarks
    start are told to stop when the process that started them ends, however it
    ends, as the demo's web line is."""
    import psutil

    if started == "redis-server":
        from tests import redisserver

        redisserver.redis_binary()  # skips where there is none, fails under CI
    code = STARTS[started] + "import time\ntime.sleep(300)\n"
    starter = subprocess.Popen(
        [sys.executable, "-c", code], cwd=BASE_DIR, stdout=subprocess.PIPE, text=True
    )
    try:
        web = psutil.Process(int(starter.stdout.readline()))
    except BaseException:
        starter.kill()
        starter.wait()
        raise
    ends_with_its_starter(starter, web)
