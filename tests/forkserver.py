"""Short-lived Python processes (`manage.py ...`, `python -c ...`) started by forking an
interpreter that has already imported Django, instead of starting a fresh one.

A fresh interpreter spends about 0.45 s of CPU importing Django, psycopg2 and
Pillow before a settings probe or a command does anything: most of such a
process, and the tests start over a hundred. A fork server does that once per
test process: it imports them, then forks a child per request, and the child
sets the request's environment, working directory, arguments, standard streams
and `sys.path[0]` before it runs any of the project's code. Each child is
still a process of its own, with its own settings, database connections and
exit status; its parent is the fork server rather than the test.

Forked only where a fresh interpreter would start the same way:
- the preloaded modules (PRELOAD) are Django's own, which import without
  settings, and the libraries every process of the app loads with them; never
  boto3, django-storages, redis-py or sentry-sdk, which the app loads on first
  use (tests check that it does);
- a request whose variables read at interpreter start (PYTHON..., the locale,
  HOME, TZ, LD_LIBRARY_PATH) differ from its server's gets a server of its own
  (at most MAX_SERVERS at a time: the one used longest ago stops);
- one that measures coverage (COVERAGE_...) gets a fresh interpreter, as
  coverage starts with the interpreter; so does a request made while its
  server, or the one that would stop for it, runs another (from a second
  thread), and one larger than MAX_REQUEST.

What a child shares with its server, unlike a fresh interpreter: the hash seed
(sets of strings iterate in the same order in every child of one server), and
the preloaded objects, which the server froze out of the collector's sight
(`gc.get_freeze_count()` is not 0).

    pipenv run python -m tests.bench.forkserver   # what it saves, per process
"""

import builtins
import contextlib
import fcntl
import gc
import importlib.machinery
import io
import json
import locale
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import types
from collections import OrderedDict

PRELOAD = (
    "django.contrib.admin",
    "django.contrib.auth.hashers",
    "django.contrib.auth.management",
    "django.contrib.auth.password_validation",
    "django.contrib.contenttypes.management",
    "django.contrib.messages.storage.cookie",
    "django.contrib.staticfiles.finders",
    "django.contrib.staticfiles.storage",
    "django.core.mail",
    "django.core.management",
    "django.db.backends.postgresql.base",
    "django.db.migrations",
    "django.middleware.csrf",
    "django.middleware.gzip",
    "django.template.defaulttags",
    "django.template.loader_tags",
    "django.views.debug",
    "django.views.generic",
    "dj_database_url",
    "importlib.metadata",
    "logging.config",
    "PIL.GifImagePlugin",
    "PIL.JpegImagePlugin",
    "PIL.PngImagePlugin",
    "PIL.WebPImagePlugin",
    "psycopg2.extras",
    "whitenoise.base",
)
# Read by the interpreter or the C library when a process starts, not later.
STARTUP_VARIABLES = ("HOME", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LD_LIBRARY_PATH", "TZ")
# What a child sets up from its request instead: its standard streams' buffering.
PER_CHILD = ("PYTHONUNBUFFERED",)
MAX_SERVERS = 2
# A request is one message: larger ones (a long snippet, a large environment) start
# a fresh interpreter instead. The kernel's socket buffer holds about 200 KB.
MAX_REQUEST = 64 * 1024
MAX_REPLY = 4096
SERVER_WAIT = 60  # seconds a server may take to preload or to report a killed child


def startup_environment(env: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The part of `env` a process reads when it starts: a fork server serves requests
    whose part equals its own."""
    return tuple(
        sorted(
            (key, value)
            for key, value in env.items()
            if key in STARTUP_VARIABLES or (key.startswith("PYTHON") and key not in PER_CHILD)
        )
    )


def forkable(env: dict[str, str]) -> bool:
    """False where only a fresh interpreter behaves as the request expects."""
    return not any(key.startswith("COVERAGE_") for key in env)


def process_log() -> io.BufferedRandom:
    """A temporary file for a process's stdout and stderr, which the test may read while
    the process, or one it started, still writes (`WebProcess.output()`, a fork
    server's stderr, a child's output after a timeout killed it alone).

    Parent and child share the file's one position: reading from the start moves it
    for the child too, and a line the child wrote in that moment would overwrite
    the log's first lines. Opened for appending, each write goes to the end,
    wherever the reader left the position.
    """
    log = tempfile.TemporaryFile()
    flags = fcntl.fcntl(log.fileno(), fcntl.F_GETFL)
    fcntl.fcntl(log.fileno(), fcntl.F_SETFL, flags | os.O_APPEND)
    return log


def whole(file) -> bytes:
    """All a process log holds, read from its start without its position: the process's
    every write moves that position to the end, between a reader's seek and its read
    too (the demo's first lines were then missing from what a test read)."""
    chunks, offset = [], 0
    while chunk := os.pread(file.fileno(), 1 << 20, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


class ServerError(RuntimeError):
    pass


class Server:
    """One fork server (a child process of this one) and the socket to it."""

    def __init__(self, startup: tuple[tuple[str, str], ...], path: str):
        self.lock = threading.Lock()
        self.log = process_log()  # the server's own stderr
        self.socket, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {**dict(startup), "PATH": path}
        with theirs:
            self.process = subprocess.Popen(
                [sys.executable, __file__, str(theirs.fileno()), json.dumps(sorted(env))],
                env=env,
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self.log,
            )

    def close(self) -> None:
        self.socket.close()  # the server exits when it reads the end of its socket
        try:
            self.process.wait(SERVER_WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def _receive(self, pid: int | None, timeout: float) -> dict:
        self.socket.settimeout(timeout)
        message = self.socket.recv(MAX_REPLY)
        if not message:
            raise ServerError("the fork server exited")
        reply = json.loads(message)
        if pid is not None and reply.get("pid") != pid:
            raise ServerError(f"a reply about another child: {reply}")
        return reply

    def run(self, argv: list[str], timeout: float, message: bytes):
        with process_log() as out, process_log() as err:
            try:
                socket.send_fds(self.socket, [message], [out.fileno(), err.fileno()])
                started = self._receive(None, SERVER_WAIT)
                if list(started) != ["pid"]:
                    raise ServerError(f"not a child's start: {started}")
                pid = started["pid"]
            except (OSError, ValueError, KeyError) as error:  # TimeoutError is an OSError
                raise ServerError(f"no child started: {error!r}") from error
            try:
                status = self._receive(pid, timeout)["status"]
            except TimeoutError:
                # ProcessLookupError: it ended meanwhile, its status on the way.
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                try:
                    self._receive(pid, SERVER_WAIT)
                except (OSError, ValueError) as error:
                    raise ServerError(f"no status after killing {pid}: {error!r}") from error
                command = [sys.executable, *argv]
                raise subprocess.TimeoutExpired(command, timeout, whole(out), whole(err)) from None
            except (OSError, ValueError, KeyError) as error:
                raise ServerError(f"no status of {pid}: {error!r}") from error
            return subprocess.CompletedProcess(
                [sys.executable, *argv], os.waitstatus_to_exitcode(status), text(out), text(err)
            )

    def failure(self, error: ServerError) -> ServerError:
        said = whole(self.log).decode(errors="replace")
        return ServerError(f"{error} (server {self.process.pid}; its stderr: {said!r})")


def text(file) -> str:
    """Output as subprocess.run(text=True) gives it: the locale's encoding, universal
    newlines."""
    decoded = whole(file).decode(locale.getpreferredencoding(False))
    return decoded.replace("\r\n", "\n").replace("\r", "\n")


_servers: OrderedDict[tuple, Server] = OrderedDict()  # the one used longest ago first
_servers_lock = threading.Lock()


def fresh(argv: list[str], env: dict[str, str], cwd, timeout: float):
    """`python *argv` in a fresh interpreter (subprocess.run, output captured as text)."""
    return subprocess.run(
        [sys.executable, *argv],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def server_for(env: dict[str, str]) -> Server | None:
    """The server for `env`'s start-up variables, started if need be, and locked for
    one request (the caller releases `server.lock`). Past MAX_SERVERS the one used
    longest ago stops. None if the server, or the one that would stop, is running a
    request."""
    startup = startup_environment(env)
    with _servers_lock:
        if startup not in _servers and len(_servers) >= MAX_SERVERS:
            oldest_startup, oldest = next(iter(_servers.items()))
            if not oldest.lock.acquire(blocking=False):
                return None
            del _servers[oldest_startup]
            oldest.close()
            oldest.lock.release()
        if startup not in _servers:
            _servers[startup] = Server(startup, env.get("PATH", os.defpath))
        _servers.move_to_end(startup)
        server = _servers[startup]
        return server if server.lock.acquire(blocking=False) else None


def run(argv: list[str], env: dict[str, str], cwd, timeout: float):
    """Run `python *argv` (`-c CODE [ARGS]` or `SCRIPT [ARGS]`) as `fresh()` would:
    forked from a server where that is the same. A server that fails, or whose
    request is interrupted, is dropped; a failure's error says what it wrote."""
    message = json.dumps({"argv": argv, "env": env, "cwd": str(cwd)}).encode()
    usable = forkable(env) and len(message) <= MAX_REQUEST and os.path.isdir(cwd)
    server = server_for(env) if usable else None
    if server is None:  # subprocess's errors for a folder that is not one, too
        return fresh(argv, env, cwd, timeout)
    try:
        return server.run(argv, timeout, message)
    except ServerError as error:
        failure = server.failure(error)
        close(server)
        raise failure from error
    except subprocess.TimeoutExpired:  # killed, its status read: the server goes on
        raise
    except BaseException:  # Ctrl-C meanwhile: its replies would answer the next request
        close(server)
        raise
    finally:
        server.lock.release()


def close(server: Server | None = None) -> None:
    """Stop one server, or every one this process started."""
    with _servers_lock:
        for startup, each in list(_servers.items()):
            if server is None or each is server:
                del _servers[startup]
                each.close()


# The server's side: run as a script with its end of the socket and the names of
# the variables it was given.


def serve(sock: socket.socket) -> dict | None:
    """Fork a child per request, report its pid and then its exit status. Returns the
    request in each child; None in the server once its client has gone."""
    while True:
        message, fds, _, _ = socket.recv_fds(sock, MAX_REQUEST, 2)
        if not message:
            return None
        pid = os.fork()
        if pid == 0:
            sock.close()
            request = json.loads(message)
            become(request, *fds)
            return request
        for fd in fds:
            os.close(fd)
        sock.send(json.dumps({"pid": pid}).encode())
        _, status = os.waitpid(pid, 0)
        sock.send(json.dumps({"pid": pid, "status": status}).encode())


def become(request: dict, stdout: int, stderr: int) -> None:
    """In the child: the request's standard streams, environment, directory and
    arguments, as a fresh interpreter started with them has."""
    null = os.open(os.devnull, os.O_RDONLY)
    for fd, target in ((null, 0), (stdout, 1), (stderr, 2)):
        os.dup2(fd, target)
        os.close(fd)
    env = request["env"]
    unbuffered = bool(env.get("PYTHONUNBUFFERED"))
    sys.stdin = sys.__stdin__ = stream(0, "<stdin>", STREAMS["stdin"], unbuffered)
    sys.stdout = sys.__stdout__ = stream(1, "<stdout>", STREAMS["stdout"], unbuffered)
    sys.stderr = sys.__stderr__ = stream(2, "<stderr>", STREAMS["stderr"], unbuffered)
    os.environ.clear()
    # What the interpreter added to the server's environment when it started (with
    # the same start-up variables a fresh one adds the same: LC_CTYPE when it
    # coerces the C locale), then the request's own.
    os.environ.update({**ADDED, **env})
    os.chdir(request["cwd"])
    argv = request["argv"]
    sys.argv = ["-c", *argv[2:]] if argv[0] == "-c" else list(argv)
    sys.orig_argv = [sys.orig_argv[0], *argv]
    if not sys.flags.safe_path:  # '' for -c, the script's real folder for a script
        script = argv[0] != "-c"
        sys.path[0] = os.path.dirname(os.path.realpath(argv[0])) if script else ""


def stream(fd: int, name: str, config: tuple[str, str], unbuffered: bool):
    """A standard stream as CPython makes it for a file that is not a terminal."""
    encoding, errors = config
    reading = fd == 0
    mode = "r" if reading else "w"
    buffering = 0 if unbuffered and not reading else -1
    binary = open(fd, mode + "b", buffering, closefd=False)
    getattr(binary, "raw", binary).name = name
    wrapper = io.TextIOWrapper(
        binary,
        encoding,
        errors,
        newline="\n",
        line_buffering=fd == 2 and not unbuffered,
        write_through=unbuffered,
    )
    wrapper.mode = mode
    return wrapper


def execute(request: dict) -> None:
    """Run the request's code as the interpreter's __main__; an uncaught exception
    prints its traceback from the code down, then ends the process as it ends a
    fresh one (status 1, or SIGINT for Ctrl-C, after the interpreter's shutdown)."""
    argv = request["argv"]
    main = types.ModuleType("__main__")
    main.__builtins__ = builtins
    sys.modules["__main__"] = main
    try:
        if argv[0] == "-c":
            main.__loader__ = importlib.machinery.BuiltinImporter
            code = compile(argv[1], "<string>", "exec")
        else:
            path = os.path.abspath(argv[0])
            main.__file__, main.__cached__ = path, None
            main.__loader__ = importlib.machinery.SourceFileLoader("__main__", path)
            try:
                with open(path, "rb") as source:
                    script = source.read()
            except OSError as error:
                said = f"[Errno {error.errno}] {error.strerror}"
                print(f"{sys.orig_argv[0]}: can't open file {path!r}: {said}", file=sys.stderr)
                sys.exit(2)
            code = compile(script, path, "exec")
        exec(code, main.__dict__)  # noqa: S102
    except SystemExit:
        raise
    except BaseException as error:
        traceback = error.__traceback__
        while traceback is not None and traceback.tb_frame.f_code.co_filename == __file__:
            traceback = traceback.tb_next
        # The hook prints the exception's own traceback when it has one.
        sys.excepthook(type(error), error.with_traceback(traceback), traceback)
        sys.excepthook = lambda *_: None  # printed: the interpreter only ends the process
        raise


if __name__ == "__main__":
    server_socket = socket.socket(fileno=int(sys.argv[1]))
    ADDED = {key: value for key, value in os.environ.items() if key not in json.loads(sys.argv[2])}
    STREAMS = {
        name: (getattr(sys, name).encoding, getattr(sys, name).errors)
        for name in ("stdin", "stdout", "stderr")
    }
    for module in PRELOAD:
        __import__(module)
    # Out of the collector's sight, as gunicorn's workers keep what they loaded before
    # the fork (config/gc_tuning.py): a child's exit then leaves these objects' memory
    # shared instead of copying every page its last collection would touch (about
    # 0.17 s of CPU a child).
    gc.freeze()
    forked = serve(server_socket)
    if forked is None:
        sys.exit(0)
    # From here on this is the child: SystemExit and the exit status are the
    # interpreter's own, as in a fresh process.
    execute(forked)
