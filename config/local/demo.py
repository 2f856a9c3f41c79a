"""`pipenv run demo`: the site on this machine, started the way Heroku starts it.

Checks PORT first (config/local/ports.py), then runs the Procfile's release
line, seeds a small demo catalog the first time (`seed_catalog --if-empty`) and
the demo logins (`seed_demo_accounts`), each where its command exists, in its own
process, then the Procfile's web line, against the self-starting local
PostgreSQL (see config/local/postgres.py) and, unless the environment names an
S3 endpoint or media bucket, a local S3 server with the media bucket
(config/local/s3.py) whose objects are kept in `.s3data/` across runs, as the
database is in `.pgdata/`.
This process keeps both servers up while the site runs and stops them on Ctrl-C,
SIGTERM or SIGHUP (the terminal closed), whenever one comes. It stops the site
first and waits for it (requests in flight finish; at most 30 s): a second signal
meanwhile is ignored, so the site is not left running without its database server.

The site listens on 127.0.0.1 only: it runs with DEBUG on and a public
development secret key, so anyone else on the network would see its debug pages
(and could forge its sessions). `DEMO_HOST=0.0.0.0` (or `::`, or one address)
asks for more. The Procfile's web line itself binds every interface, as a dyno
must; the demo adds `--bind`, which overrides config/gunicorn.py.
"""

import os
import shlex
import signal
import subprocess
import sys
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config import cancel_on_stop
from config.local import envfile, ports
from config.settings_module import error_said, holds_no_settings_said, holds_settings

BASE_DIR = Path(__file__).resolve().parents[2]
DEMO_PRODUCTS = 200


def procfile_command(process_type: str, procfile: Path = BASE_DIR / "Procfile") -> str:
    """The command line of one process type in the Procfile."""
    for line in procfile.read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() == process_type:
            return command.strip()
    raise KeyError(f"No {process_type!r} process in {procfile}")


def shown(folder: Path) -> str:
    """A folder as the demo's output names it: from the checkout when inside it
    (`.s3data`), else in full (a DEMO_S3_DATA elsewhere)."""
    folder = (BASE_DIR / folder).resolve()  # a relative DEMO_S3_DATA is from the checkout
    return str(folder.relative_to(BASE_DIR)) if folder.is_relative_to(BASE_DIR) else str(folder)


def bind_address(host: str, port: str) -> str:
    """gunicorn's `--bind` value: `host:port`, an IPv6 address in brackets."""
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


# Ctrl-C, SIGTERM, and SIGHUP when the terminal closes: each stops the demo.
STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def main() -> int:
    # From the first line, one way out for all three: it stops the command running
    # and waits for it (`run`), and at exit stops the local database server
    # (config/local/postgres.py).
    for signum in STOPS:
        signal.signal(signum, stop)
    # A stop also cancels the seeds' statement waiting on the database, which
    # would hold it until the statement ended; and one raised where it cannot
    # propagate (a weak reference's callback as the seeds free their objects) is
    # raised again, where it was printed and the seeds went on (config/cancel_on_stop.py).
    cancel_on_stop.watch(STOPS)
    cancel_on_stop.resend_swallowed_stops()
    try:
        return demo()
    except KeyboardInterrupt:
        return 0


def stop(signum, frame):
    """The first stop signal: the way out starts here, and takes no other. A second
    Ctrl-C, SIGTERM or SIGHUP (a closed terminal sends two) would break off the
    wait for the site to stop, leaving it running without its database server, or
    the database server's own stop at exit."""
    for each in STOPS:
        signal.signal(each, signal.SIG_IGN)
    raise KeyboardInterrupt


@contextmanager
def stops_held():
    """Stop signals wait until the end of the with-block. Around starting the local
    PostgreSQL: a stop raised there, in the middle of `initdb`, has Python kill it
    (subprocess.run), and a data folder initdb left half-made is never made again.
    Around forking a Procfile line (`run`).
    A Ctrl-C from the terminal reaches initdb itself, which cleans up after itself."""
    came = []
    for signum in STOPS:
        signal.signal(signum, lambda signum, frame: came.append(signum))
    try:
        yield
    finally:
        for signum in STOPS:
            signal.signal(signum, stop)
    # Only once the start went through: its error, if any, is what to show.
    if came:
        stop(came[0], None)


def demo() -> int:
    # Lines in the order they happen, between the commands' own output, also in a log file.
    sys.stdout.reconfigure(line_buffering=True)
    # A .env line pipenv could not parse: its setting kept its default, and pipenv
    # said only "could not parse statement starting at line N", among other lines.
    for line in envfile.unread_lines():
        print(line)
    os.environ.setdefault("ENVIRONMENT", "development")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    host = os.environ.get("DEMO_HOST", "").strip() or "127.0.0.1"
    # Before anything slow: a busy port or a bad PORT is one line, not gunicorn's
    # five "Connection in use" after the migrations and the seed.
    try:
        port = ports.parse_port(os.environ.get("PORT"))
        ports.check_port(host, port)
    except ports.PortError as error:
        print(error, file=sys.stderr)
        return 2
    os.environ["PORT"] = str(port)
    # Resolved now, as the port was: said once the site is up.
    open_to_network = ports.network_warning(host)

    local_s3 = None
    if (
        os.environ["ENVIRONMENT"].strip() == "development"  # as settings read it
        and not os.environ.get("AWS_S3_ENDPOINT_URL")
        and not os.environ.get("AWS_MEDIA_BUCKET_NAME")
    ):
        from config.local import s3 as locals3
        from config.local.s3_disk import FolderRefused

        # DEMO_S3_DATA: another folder (the tests give each demo its own).
        data_dir = Path(os.environ.get("DEMO_S3_DATA", "").strip() or locals3.DATA_DIR)
        try:
            local_s3 = locals3.start(data_dir=data_dir)
        except FolderRefused as error:
            print(error, file=sys.stderr)
            return 2
        except ImproperlyConfigured as error:  # no moto: the dev packages are missing
            print(f"Error: {error}", file=sys.stderr)
            return 2
        os.environ.update(local_s3.environ())
        read_back = (
            "version or delete marker" if local_s3.restored == 1 else "versions and delete markers"
        )
        print(
            f"Local S3 server on {local_s3.endpoint_url} (media bucket versioned; objects "
            f"kept in {shown(data_dir)}/, {local_s3.restored} {read_back} read back)"
        )
        print(media_commands_line({**local_s3.environ(), **locals3.past_proxies_environ()}))

    import django
    from django.conf import settings
    from django.core.management import get_commands

    try:
        with stops_held():
            django.setup()  # starts the local PostgreSQL when DATABASE_URL is unset
    except Exception as error:
        said = error_said(os.environ["DJANGO_SETTINGS_MODULE"], error)  # as manage.py
        if said is None:
            raise
        print(said, file=sys.stderr)
        return 2
    name = os.environ["DJANGO_SETTINGS_MODULE"]
    if not holds_settings(import_module(name)):  # imported by now: no second import
        print(holds_no_settings_said(name), file=sys.stderr)  # as manage.py says it
        return 2
    child_env = {**os.environ, "DATABASE_URL": settings.DATABASE_URL}

    release, seeds, web = demo_steps(host, port, get_commands())
    if (returncode := run(release, child_env)) != 0:
        return returncode
    for command in seeds:
        if (returncode := seed(command)) != 0:
            return returncode
    if local_s3 is not None:
        # After the seed, which stores again the demo pictures the bucket lost:
        # what is left is what nothing here can bring back.
        warn_missing_media(local_s3, data_dir)
    # Nothing here uses the database while the site runs.
    from django.db import connections

    connections.close_all()
    print(f"Serving the demo on http://localhost:{port}/ (Ctrl-C stops it)")
    if settings.EMAIL_BACKEND == CONSOLE_MAIL:
        print(MAIL_LINE)
    if open_to_network:
        print(open_to_network)
    return run(web, child_env)


# Where a password reset's mail goes in development: the site says it is on its way.
CONSOLE_MAIL = "django.core.mail.backends.console.EmailBackend"
MAIL_LINE = "Mail the site sends (password reset links) is printed here, among the site's log."


def media_commands_line(s3_environ: dict[str, str]) -> str:
    """How to run the media commands against the demo's S3 server from another
    terminal: its variables (local, public keys; nothing secret), and past a proxy
    the shell names, no_proxy with its address. Set by `env` inside `pipenv run`,
    after pipenv has loaded .env over the shell: as `NAME=value pipenv run ...`, a
    .env setting the same names (blank keys, another bucket) won. With the
    development settings the demo runs under: a terminal without a .env has none."""
    environ = {"ENVIRONMENT": "development", **s3_environ}
    variables = " ".join(f"{name}={shlex.quote(value)}" for name, value in environ.items())
    return (
        "Media commands against it, from another terminal while the demo runs: "
        f"pipenv run env {variables} python manage.py media_versions NAME"
    )


def demo_steps(host: str, port: int, commands) -> tuple[str, list[tuple[str, ...]], str]:
    """The demo's steps in order: the release line, the seeds, the web line.

    The Procfile's two lines run in a shell, as Heroku runs them (`run`). The
    seeds are management commands with their arguments, run in this process
    (`seed`), where Django is loaded already. `commands`: the management
    commands this checkout has (get_commands()); each seed runs only where its
    command exists (a fork may have replaced the catalog or the accounts app).
    """
    seeds = []
    if "seed_catalog" in commands:
        # The first time only: a modest catalog to browse (a no-op once it has products).
        seeds.append(("seed_catalog", "--if-empty", "--products", str(DEMO_PRODUCTS)))
    if "seed_demo_accounts" in commands:
        # Idempotent; prints the staff and member logins at every start.
        seeds.append(("seed_demo_accounts",))
    # On this machine only unless DEMO_HOST says otherwise (see the module docstring).
    web = f"{procfile_command('web')} --bind {shlex.quote(bind_address(host, str(port)))}"
    return procfile_command("release"), seeds, web


def seed(command: tuple[str, ...]) -> int:
    """Run one seed command in this process. A CommandError the command raises is
    printed on one line, its class and message, as `manage.py` prints a command's
    (no traceback), and its exit status returned. After a stop, whatever the
    command raises is the stop: KeyboardInterrupt.

    Here rather than as `python manage.py ...`, which would start the interpreter
    and Django again (the README's start-time table). A stop signal raises
    KeyboardInterrupt through the command (`stop`), once the statement running, if
    any, is cancelled (`main`); the catalog is seeded in one transaction, which
    rolls back.
    """
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.db import connections

    go_on()
    try:
        call_command(*command)
    except BaseException as error:
        # Once stopped, whatever the command ends with comes from the stop (a
        # statement cancelled, a connection closed mid-commit): it is the stop.
        if stopped():
            raise KeyboardInterrupt from None
        if not isinstance(error, CommandError):
            raise
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return error.returncode
    finally:
        connections.close_all()
    return 0


def stopped() -> bool:
    """Whether a stop signal came: `main` gives each to `stop`, which ignores every
    later one."""
    return signal.getsignal(STOPS[0]) is signal.SIG_IGN


def go_on() -> None:
    """Before each step: the stop again, if one came and its KeyboardInterrupt was lost.
    `stop` raises it wherever the main thread is, and in code Python runs for itself
    (a finalizer, a handler run at a fork) Python prints it and carries on, with
    every later stop ignored: the demo went on to its next step and could no longer
    be stopped."""
    if stopped():
        raise KeyboardInterrupt


def warn_missing_media(local_s3, data_dir: Path) -> None:
    """Say which files the database names that the local bucket never had."""
    from config.local import missing_media
    from config.local.s3 import MEDIA_BUCKET

    missing = missing_media.missing_files(local_s3.client(), MEDIA_BUCKET)
    if missing:
        print(missing_media.report(missing, shown(data_dir)))


def run(command: str, env: dict[str, str]) -> int:
    """Run a Procfile line in a shell, as Heroku does, and wait for it. On Linux it
    ends with this process, however this one ends (`ends_with_this_process`).

    The line starts with Ctrl-C ignored (`trap '' INT`), until it sets its own
    handler: gunicorn's master and `manage.py` take it once they have loaded, and
    a terminal's Ctrl-C while gunicorn still imported its settings was a
    KeyboardInterrupt traceback. This process passes every stop on as SIGTERM."""
    go_on()
    process = None
    try:
        # A stop waits while the child is forked: raised in the fork's own handlers
        # (logging's), its KeyboardInterrupt was printed and lost, and the demo
        # served on, deaf to Ctrl-C.
        with stops_held():
            process = subprocess.Popen(  # noqa: S602
                f"trap '' INT; exec {command}",
                shell=True,
                cwd=BASE_DIR,
                env=env,
                preexec_fn=ends_with_this_process(),
            )
        return process.wait()
    except KeyboardInterrupt:
        if process is None:  # not started
            raise
        # Pass on the polite one and wait for a clean exit (`stop` ignores any
        # further signal). A child still running after Heroku's 30 s is
        # killed; a gunicorn master's workers follow it once they see it gone.
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        raise


# prctl(2)'s option: the signal a process gets when its parent ends.
PR_SET_PDEATHSIG = 1


def ends_with_this_process():
    """What a child runs before its command, on Linux, so that it is sent SIGTERM when
    this process ends, however it ends (prctl's PR_SET_PDEATHSIG): None elsewhere.

    A demo killed with kill -9 (or by the out-of-memory killer) passes no signal
    on: its gunicorn went on serving, without the S3 server that ended with the
    demo, kept the port the next demo asked for, and served 500s once a later
    demo stopped PostgreSQL. gunicorn takes SIGTERM as a graceful stop; its
    workers end with it. The call is prepared here, before the fork: the child
    only calls it, and ends at once if this process ended before it could ask.
    """
    if sys.platform != "linux":
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl
    option, signum = ctypes.c_int(PR_SET_PDEATHSIG), ctypes.c_ulong(signal.SIGTERM)
    parent = os.getpid()

    def in_the_child():
        prctl(option, signum)
        if os.getppid() != parent:  # ended before the call: no signal will come
            os._exit(1)

    return in_the_child


if __name__ == "__main__":
    sys.exit(main())
