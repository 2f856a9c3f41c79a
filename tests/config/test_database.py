"""Which database errors are the database's state, the 503 page (config/database.py),
and which are the code's, the 500: each raised for real by PostgreSQL."""

import os

import psycopg2
import pytest
from django.db import DatabaseError, Error, InterfaceError, connection, transaction

from config import database

pytestmark = pytest.mark.django_db(transaction=True)


def raised(*statements: str) -> DatabaseError:
    """The error Django raises for the last of `statements`, run in a transaction
    rolled back after it (a role set in it goes with it)."""
    *before, last = statements
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in before:
            cursor.execute(statement)
        with pytest.raises(DatabaseError) as caught:
            cursor.execute(last)
    return caught.value


def test_a_database_refusing_writes_for_now_is_unavailable():
    read_only = raised(
        "SET TRANSACTION READ ONLY", "INSERT INTO catalog_category (name, slug) VALUES ('a', 'a')"
    )
    assert read_only.__cause__.pgcode == "25006"
    assert database.unavailable(read_only)


def test_a_credential_without_write_privileges_is_unavailable():
    """What Heroku Postgres over its plan's storage leaves ("Access Restricted"):
    a credential that may read, delete and truncate, not insert. Roles belong to
    the whole server, which other test runs may share: this one is named for the
    process."""
    role = f"restricted_probe_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {role}")
        cursor.execute(f"CREATE ROLE {role}")
        cursor.execute(f"GRANT SELECT, DELETE ON catalog_category TO {role}")
    try:
        refused = raised(
            f"SET LOCAL ROLE {role}",
            "INSERT INTO catalog_category (name, slug) VALUES ('a', 'a')",
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")
    assert refused.__cause__.pgcode == "42501"
    assert database.unavailable(refused)


@pytest.mark.parametrize(
    "statement",
    [
        "SELEC 1",  # a typo: 42601
        "SELECT * FROM no_such_table",  # 42P01
        "INSERT INTO catalog_category (name, slug) VALUES (NULL, 'a')",  # 23502
        "SELECT 1 / 0",  # 22012
    ],
)
def test_a_bug_is_not_the_database_being_unavailable(statement):
    assert not database.unavailable(raised(statement))


def test_a_connection_lost_mid_request_is_unavailable():
    """The server ends this session (a failover, a restart, an idle connection cut by a
    pooler): psycopg2 raises an InterfaceError for every statement on that connection
    once it knows (an OperationalError for the one that finds out), until Django drops
    the connection at the request's end."""
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    other = psycopg2.connect(**connection.get_connection_params())
    with other, other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    other.close()
    errors = []
    for _ in range(2):
        # InterfaceError is no DatabaseError (PEP 249): Error is what both are.
        with pytest.raises(Error) as caught, connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        errors.append(caught.value)
    assert InterfaceError in {type(error) for error in errors}, errors
    assert all(database.unavailable(error) for error in errors)
    connection.close()
