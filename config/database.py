"""Whether a database error is the database's state rather than the code's.

An error of that kind is the 503 page, "try again" (config/views.py's handler500),
wherever it is raised, also where Django turns it into another error on its way
(the session store's UpdateError, config/security/sessions.py).
"""

from django.db import Error, InterfaceError, OperationalError

# SQLSTATEs of a database that is there but, for now, takes no writes, which
# psycopg2 raises as InternalError or ProgrammingError, what a bug can raise too:
# a standby still in recovery after a failover, a database set read-only
# (25006); one whose credential lost its write privileges (42501: Heroku
# Postgres over its plan's storage, "Access Restricted", keeps READ, DELETE and
# TRUNCATE alone until data is deleted or the plan upgraded).
READ_ONLY_NOW = {"25006", "42501"}


def unavailable(error: BaseException | None) -> bool:
    """Whether `error` says the database is out of reach or refuses writes for now."""
    if isinstance(error, (OperationalError, InterfaceError)):
        return True
    return isinstance(error, Error) and getattr(error.__cause__, "pgcode", None) in READ_ONLY_NOW
