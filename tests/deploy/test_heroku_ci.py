"""Heroku's build and Heroku CI, as they really run the app.

- Heroku CI's in-dyno PostgreSQL listens on TCP at localhost without TLS, and sets
  CI: production-mode processes there connect without TLS; anywhere else
  production requires it (config/env.py `database_needs_tls`).
- The build runs `collectstatic` with only the config vars set so far, none on a
  first `git push heroku`, and no DYNO: it must succeed, while every process on a
  dyno still refuses to start without its secrets.
"""

import pytest

from config.local import postgres as localdb
from tests import builds
from tests.processes import (
    ROUTER_HEADERS,
    manage,
    production_env,
    run_procfile,
    serving,
    start_web,
)
from tests.processes import free_port as _free_port


@pytest.fixture(scope="module")
def plain_tcp_database(tmp_path_factory):
    """A PostgreSQL server on 127.0.0.1 over TCP with no TLS: Heroku CI's in-dyno shape."""
    with localdb.tcp_server(tmp_path_factory.mktemp("tcp") / "pgdata", _free_port()) as exported:
        yield exported["DATABASE_URL"]


def test_under_heroku_ci_production_uses_the_in_dyno_database_without_tls(plain_tcp_database):
    env = production_env(DATABASE_URL=plain_tcp_database, CI="true")
    release = run_procfile("release", env)
    assert release.returncode == 0, release.stderr
    with serving(env) as web:
        health = web.get("/healthz", ROUTER_HEADERS)
        assert health.status == 200, web.output()
        assert health.text == '{"database": "ok"}'


@pytest.mark.parametrize("ci", [None, "false"])
def test_outside_heroku_ci_production_refuses_a_database_without_tls(plain_tcp_database, ci):
    env = production_env(DATABASE_URL=plain_tcp_database, CI=ci)
    release = run_procfile("release", env)
    assert release.returncode != 0
    assert "server does not support SSL, but SSL was required" in release.stderr
    with serving(env) as web:
        health = web.get("/healthz", ROUTER_HEADERS)
        assert health.status == 503
    assert "database unavailable: " in web.output()
    assert "SSL was required" in web.output()


@pytest.mark.parametrize(
    ("url", "variables"),
    [
        ("postgres://u:p@localhost:5432/app?hostaddr=203.0.113.5", {}),
        ("postgres://u:p@localhost:5432/app", {"PGHOSTADDR": "203.0.113.5"}),
        ("postgres://u:p@/app?host=db.example.com", {}),
        ("postgres://u:p@/app", {"PGHOST": "db.example.com"}),
        ("postgres://u:p@localhost/app?service=prod", {}),
        ("postgres://u:p@localhost,db.example.com/app", {}),
    ],
)
def test_ci_does_not_lift_tls_for_a_database_libpq_reaches_elsewhere(monkeypatch, url, variables):
    """The host was read from the URL's netloc alone: libpq connects to a hostaddr
    whatever the host says, and takes ?host= and PGHOST where the netloc has none
    (config/env.py libpq_elsewhere, as the demo logins' seed reads it)."""
    from config.env import database_needs_tls

    for name in ("PGHOST", "PGHOSTADDR", "PGSERVICE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CI", "true")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert database_needs_tls(url, development=False)


def test_ci_does_not_lift_tls_for_a_database_on_another_host():
    from config.env import database_needs_tls

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CI", "true")
        assert database_needs_tls(
            "postgres://u:p@ec2-1-2-3-4.compute.amazonaws.com/d", development=False
        )
        assert not database_needs_tls("postgres://u:p@localhost:5432/d", development=False)
        assert not database_needs_tls("postgres://u:p@[::1]:5432/d", development=False)
        for yes in ("1", "yes", "on"):
            patch.setenv("CI", yes)
            assert not database_needs_tls("postgres://u:p@localhost:5432/d", development=False)
        for no in ("false", "no", "woodpecker", ""):
            patch.setenv("CI", no)
            assert database_needs_tls("postgres://u:p@localhost:5432/d", development=False)
        patch.delenv("CI")
        assert database_needs_tls("postgres://u:p@localhost:5432/d", development=False)
        assert not database_needs_tls("postgres://u:p@localhost:5432/d", development=True)


def test_a_first_push_builds_static_files_with_no_config_vars_set():
    # The run's builds (tests/builds.py): a first push's, then one with config vars.
    first_push = builds.build("first push").check()
    assert first_push.manifest
    assert first_push.manifest == builds.build("config vars").manifest


@pytest.mark.parametrize("dyno", [None, "web.1"])
def test_every_process_but_the_build_stops_naming_the_first_missing_variable(dyno):
    env = builds.first_push_env(DYNO=dyno)
    missing = "The environment variable DJANGO_SECRET_KEY is required"
    release = run_procfile("release", env)
    assert release.returncode != 0
    assert missing in release.stderr

    web = start_web(env)
    assert web.process.wait(timeout=60) != 0
    assert missing in web.output()

    if dyno:  # `heroku run python manage.py collectstatic` on a dyno is no build
        collect = manage("collectstatic", "--noinput", env=env)
        assert collect.returncode != 0
        assert missing in collect.stderr


@pytest.mark.parametrize(
    ("option", "said"),
    [
        ("target_session_attrs=read_write", "invalid target_session_attrs value"),
        ("keepalives=abc", "invalid integer value"),
    ],
)
def test_a_database_url_option_value_libpq_refuses_stops_the_release_in_one_error(
    plain_tcp_database, option, said
):
    """Its name is libpq's, so start-up takes it; libpq refuses the value on every
    connection: the release stopped with a traceback of some 90 lines."""
    env = production_env(DATABASE_URL=f"{plain_tcp_database}?{option}", CI="true")
    release = run_procfile("release", env)
    assert release.returncode != 0
    assert "config.E007" in release.stderr
    assert said in release.stderr
    assert "Traceback" not in release.stderr


@pytest.mark.parametrize(
    ("pgoptions", "said"),
    [
        # A Heroku Postgres follower (a hot standby) answers reads and refuses writes:
        # the release passed ("No migrations to apply"), then every form was a 500.
        ("-c default_transaction_read_only=on", "takes no writes"),
        # Connected, then every statement fails (no schema to find the tables in):
        # a traceback of some 70 lines, and pages 500 while /healthz said 200.
        ("-c search_path=nowhere", "no schema"),
    ],
)
def test_a_database_the_app_cannot_use_stops_the_release_in_one_error(
    plain_tcp_database, pgoptions, said
):
    env = production_env(DATABASE_URL=plain_tcp_database, CI="true", PGOPTIONS=pgoptions)
    release = run_procfile("release", env)
    assert release.returncode != 0
    assert "config.E007" in release.stderr
    assert said in release.stderr
    assert "Traceback" not in release.stderr
