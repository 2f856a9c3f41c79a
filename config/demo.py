"""`pipenv run demo`: the site on this machine, started the way Heroku starts it.

Runs the Procfile's release line, seeds a small demo catalog the first time
(`seed_catalog --if-empty`), then the Procfile's web line, against the self-starting
local PostgreSQL (see config/localdb.py). This process keeps the database server
up while the site runs and stops it on Ctrl-C.
"""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEMO_PRODUCTS = 200


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

    import django
    from django.conf import settings

    django.setup()  # starts the local PostgreSQL when DATABASE_URL is unset
    child_env = {**os.environ, "DATABASE_URL": settings.DATABASE_URL}

    # A shell, as Heroku uses to run Procfile lines; the text is our own Procfile.
    steps = [
        ("release", f"exec {procfile_command('release')}"),
        # The first time only: a modest catalog to browse (a no-op once it has products).
        ("seed", f"exec python manage.py seed_catalog --if-empty --products {DEMO_PRODUCTS}"),
        ("web", f"exec {procfile_command('web')}"),
    ]
    for name, command in steps:
        if name == "web":
            print(f"Serving the demo on http://localhost:{os.environ['PORT']}/ (Ctrl-C stops it)")
        try:
            result = subprocess.run(command, shell=True, cwd=BASE_DIR, env=child_env)  # noqa: S602
        except KeyboardInterrupt:
            return 0
        if result.returncode != 0:
            return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
