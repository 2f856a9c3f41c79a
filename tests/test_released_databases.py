"""Released databases for the app's processes: copies of one database the release
phase migrated (tests/processes.py), as good as running the release line on each."""

import psycopg2
from django.db.migrations.loader import MigrationLoader

from tests.processes import fetch_all, fresh_database, production_env, release, released_database

APPLIED = "SELECT app, name FROM django_migrations"


def test_a_released_database_has_every_migration_of_the_project_applied():
    url = released_database("every_migration")
    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    assert set(fetch_all(url, APPLIED)) == on_disk


def test_a_released_database_holds_what_the_release_line_leaves():
    """Same tables, same rows (content types, permissions) as the release line run here."""
    released_here = fresh_database("released_here")
    release(production_env(DATABASE_URL=released_here))
    copied = released_database("copied")
    tables = (
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' ORDER BY table_name"
    )
    content = "SELECT app_label, model FROM django_content_type ORDER BY app_label, model"
    permissions = "SELECT codename FROM auth_permission ORDER BY codename"
    for sql in (tables, content, permissions, APPLIED + " ORDER BY app, name"):
        assert fetch_all(copied, sql) == fetch_all(released_here, sql)
    assert fetch_all(copied, "SELECT count(*) FROM auth_permission")[0][0] > 0


def groups_named(url: str, name: str) -> int:
    return fetch_all(url, "SELECT count(*) FROM auth_group WHERE name = %s", (name,))[0][0]


def test_released_databases_are_independent_copies():
    first = released_database("first_copy")
    second = released_database("second_copy")
    assert first != second
    with psycopg2.connect(first) as connection, connection.cursor() as cursor:
        cursor.execute("INSERT INTO auth_group (name) VALUES ('editors')")
    connection.close()
    assert groups_named(first, "editors") == 1
    assert groups_named(second, "editors") == 0
    # A copy made after a write to another copy starts from the template, not from it.
    assert groups_named(released_database("third_copy"), "editors") == 0
