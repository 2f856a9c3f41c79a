"""Start the app's real processes (the Procfile's lines) and talk HTTP to them."""

import atexit
import fcntl
import hashlib
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import typing
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from django.conf import settings
from django.core.management import CommandError
from django.db import connection

from config.local.demo import ends_with_this_process, procfile_command
from config.tour import ENVIRONMENT_VARIABLES
from tests import forkserver
from tests.forkserver import process_log, whole

BASE_DIR = Path(settings.BASE_DIR)
HEROKU_HOST = "reference-app.herokuapp.com"
# What Heroku's router adds to every request it forwards.
ROUTER_HEADERS = {"Host": HEROKU_HOST, "X-Forwarded-Proto": "https", "X-Request-Id": "req-42"}
S3_VARIABLES = [name for name in ENVIRONMENT_VARIABLES if name.startswith("AWS_")]


# Ports for servers that bind them later: a web process still starting, the demo
# after its migrations. A port the kernel picks (bind to 0) and this process then
# frees can be picked again for another test worker's server before the first
# binds it, and a test then talks to the wrong server. So each test process
# takes ports from a block of its own, below the kernel's ephemeral range (where
# port 0 and outgoing connections get theirs), and never the same one twice.
# Blocks are claimed with a lock file each, held until the process exits: a
# second test run on the same machine (another checkout's, a benchmark a test
# starts) takes the next free block, where it took the same and a test of one
# run was answered by the other run's web process.
PORTS_FROM = 20_000
PORTS_PER_WORKER = 500
BLOCKS = 20  # up to 29,999, below the usual ephemeral range (32768)
PORT_CLAIMS = Path(tempfile.gettempdir()) / "catalog-test-ports"
_given: list[int] = []
_block: list[range] = []  # this process's, once claimed
_claims: list[int] = []  # the lock files' descriptors, open until the process exits


# Below BASE_DIR, written by the test run, not by the app at run time: the test
# database's files, what collectstatic wrote at build, Python's bytecode and tool
# caches, coverage data of the processes, browser screenshots, and what Chromium
# writes under HOME (crash-report settings, desktop caches, the certificate
# database a full Chrome keeps in .pki) when HOME is the app folder, as on Heroku CI,
# where the in-dyno PostgreSQL also keeps its data in .indyno/ and logs to .pg.log.
NOT_APP_STATE = {
    ".git",
    ".pgdata",
    ".indyno",
    ".pg.log",
    ".config",
    ".cache",
    ".pki",
    "staticfiles",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "test-artifacts",
}


def disk_state(root: Path) -> dict[str, tuple[int, int] | None]:
    """Every file and folder below root with its size and modification time (files only),
    but NOT_APP_STATE. Read from the disk, not from git: Heroku CI's copy of the app
    has no .git folder."""
    state = {}
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if name not in NOT_APP_STATE]
        relative = Path(folder).relative_to(root)
        state.update({str(relative / name): None for name in subfolders})
        for name in files:
            if name not in NOT_APP_STATE and not name.startswith(".coverage"):
                stat = (Path(folder) / name).lstat()
                state[str(relative / name)] = (stat.st_size, stat.st_mtime_ns)
    return state


def worker_number() -> int:
    """This pytest-xdist worker's number (gw3: 3); 0 outside xdist."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else 0


def port_block() -> range:
    """This process's ports: the block of its worker number, or the next one no other
    test process on this machine holds."""
    if not _block:
        _block.append(claim_block(worker_number()))
    return _block[0]


def claim_block(first_choice: int, claims: Path = PORT_CLAIMS) -> range:
    """The first block from `first_choice` on whose lock file in `claims` no other
    process holds, held by this one from now on."""
    # Every user's test runs take their blocks here: a folder anyone may add to
    # (as /tmp), files anyone may lock (a lock needs a file open, reading will do).
    with suppress(FileExistsError):
        claims.mkdir()
    with suppress(PermissionError):  # another user's folder: they made it so
        claims.chmod(0o1777)  # mkdir's mode is cut by the umask
    for offset in range(BLOCKS):
        number = (first_choice + offset) % BLOCKS
        path = claims / f"block-{number}"
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDONLY, 0o444)
            os.fchmod(fd, 0o444)  # the umask cut the mode here too
        except FileExistsError:
            try:
                fd = os.open(path, os.O_RDONLY)
            except PermissionError:  # a file its user made unreadable: theirs
                continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        _claims.append(fd)
        first = PORTS_FROM + number * PORTS_PER_WORKER
        return range(first, first + PORTS_PER_WORKER)
    raise RuntimeError(f"Every block of test ports is held by another test process ({claims}).")


def free_port() -> int:
    """A port of this worker's block that nothing holds now, not given before."""
    block = port_block()
    start = _given[-1] + 1 if _given else block.start
    for port in [*range(start, block.stop), *range(block.start, start)]:
        if port not in _given and bindable(port):
            _given.append(port)
            return port
    raise RuntimeError(f"No free port left in {block.start}-{block.stop - 1}.")


def bindable(port: int) -> bool:
    """Whether nothing holds `port` now, on any address: a server could bind it on
    127.0.0.1 (the demo) or on every interface (the web line's `[::]`)."""
    addresses = [(socket.AF_INET, "0.0.0.0")]
    if socket.has_ipv6:
        addresses.append((socket.AF_INET6, "::"))
    for family, host in addresses:
        try:
            sock = socket.socket(family)
        except OSError:  # a kernel without IPv6
            continue
        with sock:
            try:
                sock.bind((host, port))
            except OSError:
                return False
    return True


@contextmanager
def closed_port() -> Iterator[int]:
    """A port of 127.0.0.1 that refuses every connection while the block runs: bound
    here and never listened on, so no other process (another test worker's server
    asking for a free port, say) can take it meanwhile."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def clear_of_window_end(window: int = 3600, needs: float = 60) -> None:
    """Wait, when the throttles' current window (config/security/throttle.py) ends
    within `needs` seconds, for the next one: events a test counts on the app's own
    processes within `needs` seconds then fall in one window, not in two whose
    counts start apart. Eleven signups across two processes take 5 s alone and
    11 s amid a full parallel run: 60 s leaves room for a machine several times
    slower, and a run that starts them just before the hour waits at most that."""
    # The real clock: in the tests' own process, throttle.seconds_left reads a held one.
    left = window - time.time() % window
    if left < needs:
        time.sleep(left + 0.1)


def _sockets(port: int, state: str) -> Iterator[tuple[str, int]]:
    """(local address, receive queue) of each socket of this machine in `state`
    whose local port is `port`, read from the kernel's tables in /proc/net (Linux)."""
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        for line in Path("/proc/net", table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and fields[3] == state:
                raw = bytes.fromhex(address)  # 32-bit words in host (little-endian) order
                packed = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                yield socket.inet_ntop(family, packed), int(fields[4].split(":")[1], 16)


def _listening(port: int) -> Iterator[tuple[str, int]]:
    """(address, connections waiting to be accepted) of each socket listening at `port`.

    A listening socket's receive queue is its backlog of accepted-by-the-kernel
    connections the process has not taken yet."""
    return _sockets(port, "0A")  # 0A: LISTEN


def listening_addresses(port: int) -> set[str]:
    """The addresses this machine's sockets listen on at `port` ("::" or "0.0.0.0": every
    interface)."""
    return {address for address, _ in _listening(port)}


def ends_with_its_starter(starter: subprocess.Popen, child, seconds: float = 60) -> None:
    """Kill `starter` with SIGKILL, which passes nothing on, and wait until `child`
    (a psutil.Process it started) has ended too; what is left of it is killed."""
    import psutil

    starter.kill()
    starter.wait()
    try:
        wait_for(lambda: not child.is_running() or child.status() == psutil.STATUS_ZOMBIE, seconds)
    finally:
        if child.is_running():
            for process in [*child.children(recursive=True), child]:
                process.kill()


def wait_for(condition: typing.Callable[[], object], seconds: float = 30) -> None:
    """Poll `condition` until it is true; fail the test after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"still not true after {seconds} s"
        time.sleep(0.01)


def wait_until_accepted(port: int) -> None:
    """Wait until the server at `port` has taken every connection made to it so far."""
    wait_for(lambda: not connections_waiting(port))


def children(pid: int) -> list[int]:
    """The pids of process `pid`'s children."""
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def connections_waiting(port: int) -> int:
    """The connections to `port` that the kernel took and no process has accepted yet."""
    return sum(waiting for _, waiting in _listening(port))


def wait_until_read(port: int, connections: int) -> None:
    """Wait until the server at `port` has `connections` open and has read every
    byte sent on them so far: each is in a request's hands, not in a queue."""

    def all_read() -> bool:
        unread = [queued for _, queued in _sockets(port, "01")]  # 01: ESTABLISHED
        return len(unread) >= connections and not any(unread)

    wait_for(all_read)


class SilentServer:
    """A port of 127.0.0.1 that accepts connections and never says a word: a Redis,
    database or S3 that hangs. `accepted` counts the connections it took."""

    def __init__(self):
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self._held: list[socket.socket] = []
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._hold, daemon=True)
        self._thread.start()

    @property
    def accepted(self) -> int:
        return len(self._held)

    def _hold(self) -> None:
        while not self._closing.is_set():
            try:
                self._held.append(self._server.accept()[0])
            except TimeoutError:
                continue

    def close(self) -> None:
        self._closing.set()
        self._thread.join(5)
        for sock in [*self._held, self._server]:
            sock.close()


STATIC_ROOT_LOCK = Path(tempfile.gettempdir()) / (
    "catalog-static-" + hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:12] + ".lock"
)


@contextmanager
def static_root_held() -> Iterator[None]:
    """This checkout's STATIC_ROOT to this process alone for the block, waiting for
    another that holds it: collectstatic deletes and rewrites files in place, and two
    benchmarks started together (or one beside a test run's build) collecting at once
    ended in a traceback over a file the other had just removed."""
    fd = os.open(STATIC_ROOT_LOCK, os.O_CREAT | os.O_RDONLY, 0o444)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def database_url_beside(suffix: str) -> str:
    """The URL of a database beside the test database, named for `suffix`.

    Named after the test database, so test runs against different databases on
    one server (see DATABASE_URL) never share one, and after the pytest-xdist
    worker, so parallel workers never share one either (a test that has not set
    up the test database yet sees the plain database's name).
    """
    base = connection.settings_dict["NAME"]
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and not base.endswith(f"_{worker}"):
        base = f"{base}_{worker}"
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{base}_{suffix}"))


def _create_database(url: str, template: str | None = None, create: bool = True) -> str:
    """(Re)create the database of `url`, empty or as a copy of `template`; returns `url`.
    Without `create`, only drop it."""
    name = urlsplit(url).path.lstrip("/")
    admin = psycopg2.connect(settings.DATABASE_URL)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if create:
                copy = f' TEMPLATE "{template}"' if template else ""
                cursor.execute(f'CREATE DATABASE "{name}"{copy}')
    finally:
        admin.close()
    return url


_held: list = []  # connections holding a benchmark's database, open until the process exits
# The first key of the advisory lock a run of a benchmark holds on its database's
# name ("benc"), on the server's database the run connects to first.
BENCH_DATABASE_LOCK = 0x62656E63


class DatabaseInUse(CommandError):
    """The database a benchmark would set up is another's now: one line, as a
    management command's error, which the benchmarks print so."""


def refuse_if_in_use(url: str) -> None:
    """Hold the database of `url` for this process, or raise DatabaseInUse.

    Each run of a benchmark drops its database and makes it again (WITH FORCE,
    which ends every session on it): a second run did so under a first one, which
    ended in a traceback. Two holds: an advisory lock on the name, taken on the
    server's own database and kept until the process exits (two runs started at
    the same moment: each checked, then both dropped and made it); and no session
    on the database itself (a run that holds it from another server database, or
    a psql of the user's). A run stays connected to it while it runs
    (`stay_connected`)."""
    name = urlsplit(url).path.lstrip("/")
    admin = psycopg2.connect(settings.DATABASE_URL)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", [BENCH_DATABASE_LOCK, name])
        (locked,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name])
        (sessions,) = cursor.fetchone()
    if not locked or sessions:
        admin.close()
        raise DatabaseInUse(
            f"The database {name} is in use (another run of this benchmark, or a session "
            "of yours): wait for it to end, or stop it."
        )
    _held.append(admin)


def dropped_at_exit(url: str) -> None:
    """Drop the database of `url` as this process exits, a stop included: a benchmark
    that keeps nothing between runs left a database of its seeded catalog behind."""

    def drop() -> None:
        for held in _held:
            held.close()
        # A server gone already has nothing left behind to drop.
        with suppress(psycopg2.Error):
            _create_database(url, create=False)

    atexit.register(drop)


def stay_connected(url: str):
    """A connection to the database of `url`, open until this process exits (or it is
    closed): what `refuse_if_in_use` sees of a run."""
    held = psycopg2.connect(url)
    _held.append(held)
    return held


def used_for_this_run(suffix: str) -> str:
    """A benchmark's database beside the test database, made afresh for this run and
    held by it (`refuse_if_in_use`, `stay_connected`), dropped as the process exits
    (nothing is kept between runs), and Django's connection switched to it; its URL."""
    refuse_if_in_use(database_url_beside(suffix))
    url = fresh_database(suffix)
    stay_connected(url)
    dropped_at_exit(url)
    connection.close()
    connection.settings_dict["NAME"] = urlsplit(url).path.lstrip("/")
    return url


def collect_static() -> None:
    """Heroku's build step in this process (pages link hashed static files from its
    manifest; a fresh clone has none yet), waiting for another run of it into this
    checkout's STATIC_ROOT (`static_root_held`)."""
    from django.core.management import call_command

    with static_root_held():
        call_command("collectstatic", "--noinput", verbosity=0)


def fresh_database(suffix: str) -> str:
    """Create an empty database beside the test database and return its URL."""
    return _create_database(database_url_beside(suffix))


def release(env: dict[str, str]) -> None:
    """Heroku's release phase (the Procfile's `release` line) on the environment's database."""
    done = run_procfile("release", env)
    assert done.returncode == 0, done.stderr
    assert "Applying auth.0001_initial... OK" in done.stdout


_released_template: list[str] = []  # its name, once this process has made it


def released_database(suffix: str) -> str:
    """A new database as the release phase leaves an empty one, and its URL.

    The release line (`migrate`) costs seconds of CPU; most tests only need its
    outcome. So it runs once per test process, on a database kept as a template,
    and each call copies that (CREATE DATABASE ... TEMPLATE, a file copy).
    PostgreSQL refuses to copy a database others are connected to: nothing but
    this function ever connects to the template, and each pytest-xdist worker
    has its own. Tests whose point is the release line itself run it on
    `fresh_database()` instead.
    """
    if not _released_template:
        template = fresh_database("released")
        release(production_env(DATABASE_URL=template))
        _released_template.append(urlsplit(template).path.lstrip("/"))
    return _create_database(database_url_beside(suffix), template=_released_template[0])


def fetch_all(database_url: str, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of one query on a database the app's processes use (not the test's own)."""
    connection = psycopg2.connect(database_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


# Run by `started_with`: the stop signals' dispositions, then the command.
_DISPOSITIONS = """
import os, signal, sys
stops = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
for signum in stops:
    ignored = str(int(signum)) in sys.argv[1].split(",")
    signal.signal(signum, signal.SIG_IGN if ignored else signal.SIG_DFL)
signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)  # a blocked signal stays blocked in exec
os.execv(sys.argv[2], sys.argv[2:])
"""


def started_with(argv: list[str], ignoring: tuple[int, ...] = ()) -> list[str]:
    """`argv` started with SIGINT, SIGTERM and SIGHUP at their defaults and not
    blocked, as from a terminal, whatever this process inherited (a run under
    nohup ignores SIGHUP, a background one SIGINT), except those in `ignoring`,
    which start ignored."""
    ignored = ",".join(str(int(signum)) for signum in ignoring)
    return [sys.executable, "-c", _DISPOSITIONS, ignored, *argv]


# Backends of a database waiting on a lock (`table_locked`).
LOCK_WAITERS = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    " AND wait_event_type = 'Lock'"
)


@contextmanager
def table_locked(database_url: str, table: str) -> Iterator[None]:
    """`table` locked by a transaction of a connection of this process until the
    end of the with-block: every statement of another that uses it waits."""
    holder = psycopg2.connect(database_url)
    try:
        with holder.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield
    finally:
        holder.rollback()
        holder.close()


# What every process needs from this one's environment to start Python at all,
# whatever the config vars: on a dyno (Heroku CI's test run included), what Heroku's
# Python buildpack writes into .profile.d. Its Python is a shared build without a
# run path, so a process started without LD_LIBRARY_PATH cannot load libpython.
PLATFORM_VARIABLES = (
    "PATH",
    "HOME",
    "LANG",
    "LD_LIBRARY_PATH",
    "LIBRARY_PATH",
    "PYTHONHOME",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "SYSTEMROOT",
)


def platform_env(**overrides: str) -> dict[str, str]:
    """This machine's or dyno's own variables (PLATFORM_VARIABLES), none of the app's."""
    env = {key: os.environ[key] for key in PLATFORM_VARIABLES if key in os.environ}
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def production_env(**overrides: str) -> dict[str, str]:
    """The environment of a Heroku dyno: production config vars only, no .env extras."""
    env = platform_env()
    # CI too: Heroku CI sets it for the whole test run, the app's processes included.
    if "CI" in os.environ:
        env["CI"] = os.environ["CI"]
    # Coverage follows the app into its processes through its own variables.
    env.update({key: value for key, value in os.environ.items() if key.startswith("COVERAGE_")})
    # The app's S3 config vars, which tests/conftest.py points at its local S3 server.
    env.update({key: os.environ[key] for key in S3_VARIABLES if key in os.environ})
    env.update(
        ENVIRONMENT="production",
        DJANGO_SECRET_KEY="test-secret-key-" + "x" * 50,
        PYTHONUNBUFFERED="1",
        # What Heroku's Python buildpack exports for gunicorn on every dyno.
        FORWARDED_ALLOW_IPS="*",
        # A dyno has no AWS config file; the machine running the tests may have one
        # under HOME (a region, an endpoint), which boto3 would read.
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def run_procfile(process_type: str, env: dict[str, str], timeout: float = 120):
    """Run a Procfile line to completion, as Heroku's release phase does."""
    return subprocess.run(
        ["bash", "-c", procfile_command(process_type)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def manage(*args: str, env: dict[str, str], timeout: float = 120):
    """`python manage.py ARGS` in a process of its own (tests/forkserver.py)."""
    return forkserver.run(["manage.py", *args], env, BASE_DIR, timeout)


def run_python(code: str, env: dict[str, str], timeout: float = 60):
    """Run a snippet in a process of its own with the project's settings module, as
    `python -c` does (tests/forkserver.py)."""
    env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings"}
    return forkserver.run(["-c", code], env, BASE_DIR, timeout)


def built_and_released(suffix: str, run_release: bool = False) -> dict[str, str]:
    """A production environment after Heroku's build and release phase, on a new database.

    The build ran `collectstatic --noinput` with the config vars and no reachable
    database once for the whole run (tests/builds.py). The database is a copy of
    the released template (`released_database`); with `run_release` the
    Procfile's `release` line runs here on an empty database instead.
    """
    from tests import builds  # it builds with this module's helpers

    builds.build("config vars").check()
    if not run_release:
        return production_env(DATABASE_URL=released_database(suffix))
    env = production_env(DATABASE_URL=fresh_database(suffix))
    release(env)
    return env


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report redirects instead of following them (they may point off this machine)."""

    def redirect_request(self, *args, **kwargs):
        return None


def _opener(tls: ssl.SSLContext | None) -> urllib.request.OpenerDirector:
    # Straight to this machine, past any proxy the shell names (tests/local/test_proxies.py).
    no_proxy = urllib.request.ProxyHandler({})
    return urllib.request.build_opener(
        _NoRedirect, no_proxy, urllib.request.HTTPSHandler(context=tls)
    )


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


def answering(status: int, headers: dict[str, str], tls=None) -> ThreadingHTTPServer:
    """A server on 127.0.0.1 answering every request with `status`, `headers` and no
    body, as a rate-limiting or redirecting S3-compatible endpoint or a proxy does;
    over TLS with `tls` (tests/e2e/tls.py's Certificate). Stop it with `shutdown()`."""

    class Handler(BaseHTTPRequestHandler):
        def answer(self):
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_HEAD = do_GET = do_PUT = do_POST = answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls.certfile, tls.keyfile)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def http_get(
    url: str,
    headers: dict[str, str] | None = None,
    tls: ssl.SSLContext | None = None,
    method: str = "GET",
) -> Response:
    """GET (or `method`) a URL on this machine; any status comes back as a Response.

    `tls`: the SSL context that trusts the server's certificate (an https URL).
    """
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with _opener(tls).open(request, timeout=10) as response:
            return Response(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, dict(error.headers), error.read())


@dataclass
class WebProcess:
    """The Procfile's web line, running on a free port until stopped.

    With `tls` (an SSL context trusting its certificate) it serves https.
    """

    process: subprocess.Popen
    port: int
    log: typing.IO[bytes]
    tls: ssl.SSLContext | None = None

    def output(self) -> str:
        """Everything the process wrote to stdout and stderr so far."""
        return whole(self.log).decode(errors="replace")

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return http_get(self.base_url + path, headers, self.tls)

    def head(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return http_get(self.base_url + path, headers, self.tls, method="HEAD")

    def wait_until_serving(self, path: str = "/healthz", timeout: float = 60) -> None:
        """Wait for an answer at `path`. `timeout` catches a hang, it measures nothing:
        generous, as a busy machine can take many times a quiet one's start."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"web process exited with {self.process.returncode}")
            try:
                self.get(path)
                return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"web process did not answer {path} within {timeout} s")

    def stop(self, timeout: float = 30) -> float:
        """SIGTERM, as Heroku sends it; returns the seconds the process took to exit."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        return time.monotonic() - started


def unmeasured(env: dict[str, str]) -> dict[str, str]:
    """`env` without the variables that start coverage in a Python process."""
    return {key: value for key, value in env.items() if not key.startswith("COVERAGE_")}


def start_web(
    env: dict[str, str],
    port: int | None = None,
    tls: ssl.SSLContext | None = None,
    measured: bool = False,
    options: str = "",
) -> WebProcess:
    """The Procfile's web line on `port` (a free one by default), with gunicorn's
    `options` after it, as typed after the line by hand.

    Coverage is not measured in it unless `measured`: a web process runs the
    views, middleware and settings the tests measure in-process and in the
    short-lived processes (`manage`, `run_python`, the demo) already, and tracing
    every request of every web process costs CPU for lines already counted. A
    test whose web process runs code nothing else runs (the body limit, Redis
    failures) asks for `measured=True`.

    It ends with the process that started it, however that one ends, as the demo's
    web line does (`ends_with_this_process`): a benchmark killed by a test's
    timeout left its gunicorn serving on its port.
    """
    port = port or free_port()
    log = process_log()
    process = subprocess.Popen(
        ["bash", "-c", f"exec {procfile_command('web')} {options}"],
        cwd=BASE_DIR,
        env={**(env if measured else unmeasured(env)), "PORT": str(port)},
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=ends_with_this_process(),
    )
    return WebProcess(process, port, log, tls)


@contextmanager
def serving(env: dict[str, str], **options) -> Iterator[WebProcess]:
    """The Procfile's web line, answering, for the length of a with-block; then SIGTERM."""
    web = start_web(env, **options)
    try:
        web.wait_until_serving()
        yield web
    finally:
        web.stop()
