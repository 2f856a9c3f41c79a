"""Short-lived Python processes (`manage.py ...`, `python -c ...`) started by forking an
interpreter that has already imported Django, instead of starting a fresh one.

A fresh interpreter spends about 0.4 s of CPU importing Django, psycopg2 and Pillow
before a settings probe or a command does anything: most of such a process, and
the tests start over a hundred. A fork server does that once per test process:
it imports them, then forks a child per request, and the child sets the request's
environment, working directory, arguments and output files before it runs any of
the project's code. Each child is still a process of its own, with its own
settings, database connections and exit status; its parent is the fork server
rather than the test.

Only what a fresh interpreter would do the same way is forked:
- the preloaded modules are Django's own and the two C libraries every process
  of the app loads (psycopg2, Pillow); never boto3, django-storages, redis-py or
  sentry-sdk, which the app loads on first use and tests check it does;
- a request whose variables read at interpreter start (PYTHON..., the locale,
  HOME, TZ, LD_LIBRARY_PATH) differ from its server's gets a server of its own,
  and one that measures coverage (COVERAGE_...) gets a fresh interpreter, as
  coverage starts with the interpreter.

    pipenv run python -m tests.bench.forkserver   # what it saves, per process
"""

import builtins
import gc
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import types

# Imported once by the server: Django's own modules that every process of the app
# loads and that import without settings (the admin, the PostgreSQL backend,
# migrations, management), and the libraries every such process loads with them.
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
# What a child sets from its request instead: its own output buffering.
PER_CHILD = ("PYTHONUNBUFFERED",)
MAX_MESSAGE = 1 << 20


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


class Server:
    """One fork server (a child process of this one) and the socket to it."""

    def __init__(self, startup: tuple[tuple[str, str], ...], path: str):
        self.lock = threading.Lock()
        self.socket, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            self.process = subprocess.Popen(
                [sys.executable, __file__, str(theirs.fileno())],
                env={**dict(startup), "PATH": path},
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )

    def _receive(self, timeout: float | None) -> dict:
        self.socket.settimeout(timeout)
        message = self.socket.recv(MAX_MESSAGE)
        if not message:
            raise RuntimeError(f"The fork server exited ({self.process.wait()}).")
        return json.loads(message)

    def run(self, argv: list[str], env: dict[str, str], cwd: str, timeout: float):
        """What subprocess.run([python, *argv], capture_output=True, text=True) returns."""
        request = {"argv": argv, "env": env, "cwd": str(cwd)}
        with self.lock, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            socket.send_fds(
                self.socket, [json.dumps(request).encode()], [out.fileno(), err.fileno()]
            )
            pid = self._receive(None)["pid"]
            try:
                status = self._receive(timeout)["status"]
            except TimeoutError:
                os.kill(pid, 9)
                self._receive(None)
                raise subprocess.TimeoutExpired(argv, timeout, read(out), read(err)) from None
            return subprocess.CompletedProcess(
                [sys.executable, *argv], os.waitstatus_to_exitcode(status), read(out), read(err)
            )


def read(file) -> str:
    file.seek(0)
    return file.read().decode(errors="replace")


_servers: dict[tuple, Server] = {}
_servers_lock = threading.Lock()


def fresh(argv: list[str], env: dict[str, str], cwd, timeout: float):
    """`python *argv` in a fresh interpreter (subprocess.run, output captured as text)."""
    command = [sys.executable, *argv]
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def run(argv: list[str], env: dict[str, str], cwd, timeout: float):
    """Run `python *argv` (`-c CODE` or `SCRIPT ARGS...`) as `fresh()` would: forked
    from a server where that is the same."""
    if not forkable(env):
        return fresh(argv, env, cwd, timeout)
    startup = startup_environment(env)
    with _servers_lock:
        if startup not in _servers:
            _servers[startup] = Server(startup, env.get("PATH", os.defpath))
        server = _servers[startup]
    return server.run(argv, env, cwd, timeout)


# The server's side: run as a script, with its end of the socket's descriptor.


def serve(sock: socket.socket) -> dict | None:
    """Fork a child per request, report its pid and then its exit status. Returns the
    request in each child; None in the server once its client has gone."""
    while True:
        message, fds, _, _ = socket.recv_fds(sock, MAX_MESSAGE, 2)
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
        sock.send(json.dumps({"status": status}).encode())


def become(request: dict, stdout: int, stderr: int) -> None:
    """In the child: the request's output files, environment, directory and arguments,
    as a fresh interpreter started with them has."""
    null = os.open(os.devnull, os.O_RDONLY)
    for fd, target in ((null, 0), (stdout, 1), (stderr, 2)):
        os.dup2(fd, target)
        os.close(fd)
    env = request["env"]
    os.environ.clear()
    os.environ.update(env)
    os.chdir(request["cwd"])
    unbuffered = bool(env.get("PYTHONUNBUFFERED"))
    encoding = sys.stdout.encoding
    sys.stdin = sys.__stdin__ = open(0, encoding=encoding, closefd=False)
    sys.stdout = sys.__stdout__ = open(
        1, "w", encoding=encoding, closefd=False, buffering=1 if unbuffered else -1
    )
    sys.stderr = sys.__stderr__ = open(
        2, "w", encoding=encoding, errors="backslashreplace", closefd=False, buffering=1
    )
    argv = request["argv"]
    sys.argv = argv[:] if argv[0] != "-c" else ["-c"]
    # sys.path[0]: '' for -c, the script's folder for a script.
    sys.path[0] = "" if argv[0] == "-c" else os.path.dirname(os.path.abspath(argv[0]))


def execute(request: dict) -> None:
    """Run the request's code as the interpreter's __main__."""
    argv = request["argv"]
    if argv[0] == "-c":
        main = types.ModuleType("__main__")
        main.__builtins__ = builtins
        sys.modules["__main__"] = main
        exec(compile(argv[1], "<string>", "exec"), main.__dict__)  # noqa: S102
    else:
        import runpy

        runpy.run_path(argv[0], run_name="__main__")


if __name__ == "__main__":
    server_socket = socket.socket(fileno=int(sys.argv[1]))
    for name in PRELOAD:
        __import__(name)
    # Out of the collector's sight, as gunicorn's workers keep what they loaded before
    # the fork (config/gc_tuning.py): a child's exit then leaves these objects' memory
    # shared instead of copying every page its last collection would touch (about
    # 0.17 s of CPU a child).
    gc.freeze()
    forked = serve(server_socket)
    if forked is None:
        sys.exit(0)
    # From here on this is the child: exceptions, SystemExit and the exit status
    # are the interpreter's own, as in a fresh process.
    execute(forked)
