"""`pipenv run demo`: the site on this machine, started the way Heroku starts it.

Runs the Procfile's release line, seeds a small demo catalog the first time
(`seed_catalog --if-empty`), then the Procfile's web line, against the
self-starting local PostgreSQL (see config/local/postgres.py) and, unless the environment
names an S3 endpoint or media bucket, a local S3 server with the media bucket
(config/local/s3.py). This process keeps both servers up while the site runs and
stops them on Ctrl-C.

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
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
DEMO_PRODUCTS = 200


def procfile_command(process_type: str, procfile: Path = BASE_DIR / "Procfile") -> str:
    """The command line of one process type in the Procfile."""
    for line in procfile.read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() == process_type:
            return command.strip()
    raise KeyError(f"No {process_type!r} process in {procfile}")


def bind_address(host: str, port: str) -> str:
    """gunicorn's `--bind` value: `host:port`, an IPv6 address in brackets."""
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def main() -> int:
    os.environ.setdefault("ENVIRONMENT", "development")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("PORT", "8000")
    host = os.environ.get("DEMO_HOST", "").strip() or "127.0.0.1"

    if (
        os.environ["ENVIRONMENT"] == "development"
        and not os.environ.get("AWS_S3_ENDPOINT_URL")
        and not os.environ.get("AWS_MEDIA_BUCKET_NAME")
    ):
        from config.local import s3 as locals3

        local_s3 = locals3.start()
        os.environ.update(local_s3.environ())
        print(f"Local S3 server on {local_s3.endpoint_url} (media bucket versioned, in memory)")

    import django
    from django.conf import settings

    django.setup()  # starts the local PostgreSQL when DATABASE_URL is unset
    child_env = {**os.environ, "DATABASE_URL": settings.DATABASE_URL}

    # Stop on SIGTERM as on Ctrl-C, so the database server is stopped on the way out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    steps = [
        procfile_command("release"),
        # The first time only: a modest catalog to browse (a no-op once it has products).
        f"python manage.py seed_catalog --if-empty --products {DEMO_PRODUCTS}",
        # On this machine only unless DEMO_HOST says otherwise (see the module docstring).
        f"{procfile_command('web')} --bind {shlex.quote(bind_address(host, os.environ['PORT']))}",
    ]
    for command in steps:
        if command == steps[-1]:
            print(f"Serving the demo on http://localhost:{os.environ['PORT']}/ (Ctrl-C stops it)")
            if host != "127.0.0.1":
                print(f"Listening on {host}: DEBUG pages are open to that network.")
        try:
            returncode = run(command, child_env)
        except KeyboardInterrupt:
            return 0
        if returncode != 0:
            return returncode
    return 0


def run(command: str, env: dict[str, str]) -> int:
    """Run a Procfile line in a shell, as Heroku does, and wait for it."""
    process = subprocess.Popen(f"exec {command}", shell=True, cwd=BASE_DIR, env=env)  # noqa: S602
    try:
        return process.wait()
    except KeyboardInterrupt:
        # A terminal's Ctrl-C reaches the child too; a signal sent to this process
        # alone does not, so pass on the polite one and wait for a clean exit.
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        raise


if __name__ == "__main__":
    sys.exit(main())
