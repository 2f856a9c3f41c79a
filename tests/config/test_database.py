"""Which database errors are the database's state, the 503 page (config/database.py),
and which are the code's, the 500: each raised for real by PostgreSQL."""

import os

import pytest
from django.db import DatabaseError, connection, transaction

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
