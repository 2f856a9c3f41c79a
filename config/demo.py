"""`pipenv run demo`: the site on this machine, started the way Heroku starts it.

Runs the Procfile's release line, then its web line, against the self-starting
local PostgreSQL (see config/localdb.py) and, unless the environment names an S3
endpoint or media bucket, a local S3 server with the media bucket (config/locals3.py).
This process keeps both servers up while the site runs and stops them on Ctrl-C.
"""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def procfile_command(process_type: str, procfile: Path = BASE_DIR / "Procfile") -> str:
    """The command line of one process type in the Procfile."""
    for line in procfile.read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() == process_type:
            return command.strip()
    raise KeyError(f"No {process_type!r} process in {procfile}")


def main() -> int:
    os.environ.setdefault("ENVIRONMENT", "development")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("PORT", "8000")

    if (
        os.environ["ENVIRONMENT"] == "development"
        and not os.environ.get("AWS_S3_ENDPOINT_URL")
        and not os.environ.get("AWS_MEDIA_BUCKET_NAME")
    ):
        from config import locals3

        local_s3 = locals3.start()
        os.environ.update(local_s3.environ())
        print(f"Local S3 server on {local_s3.endpoint_url} (media bucket versioned, in memory)")

    import django
    from django.conf import settings

    django.setup()  # starts the local PostgreSQL when DATABASE_URL is unset
    child_env = {**os.environ, "DATABASE_URL": settings.DATABASE_URL}

    for process_type in ("release", "web"):
        if process_type == "web":
            print(f"Serving the demo on http://localhost:{os.environ['PORT']}/ (Ctrl-C stops it)")
        try:
            # A shell, as Heroku uses to run Procfile lines; the text is our own Procfile.
            result = subprocess.run(  # noqa: S602
                f"exec {procfile_command(process_type)}", shell=True, cwd=BASE_DIR, env=child_env
            )
        except KeyboardInterrupt:
            return 0
        if result.returncode != 0:
            return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
