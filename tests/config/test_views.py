import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory


@pytest.mark.django_db
def test_home_page_renders_with_hashed_stylesheet(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"A product catalog that shows its work" in response.content
    # The manifest storage's hashed name: css/site.<12 hex>.css
    assert b'href="/static/css/site.' in response.content
    assert b'href="/static/css/site.css"' not in response.content


@pytest.mark.django_db
def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def healthz_with(client, **changes):
    """/healthz's answer with the connection's settings changed by `changes` (a fresh
    connection made with them), then put back."""
    saved = {name: connection.settings_dict[name] for name in changes}
    connection.close()
    connection.settings_dict.update(changes)
    try:
        return client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_when_the_database_does_not_answer(client):
    response = healthz_with(client, NAME="no_such_database")
    assert response.status_code == 503
    assert response.json() == {"database": "unavailable"}


@pytest.mark.django_db(transaction=True)
def test_healthz_does_not_read_a_visitors_session(client):
    """A monitor or a browser sending its session cookie: the session was read for
    nothing, and with the database down /healthz was the site's HTML 503."""
    client.force_login(UserFactory())
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/healthz").status_code == 200
    assert [q["sql"] for q in queries] == ["SELECT 1"]
    response = healthz_with(client, NAME="no_such_database")
    assert response.status_code == 503
    assert response.json() == {"database": "unavailable"}
    # Answered before CommonMiddleware: the host is still checked.
    assert client.get("/healthz", HTTP_HOST="elsewhere.example").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_healthz_logs_no_option_value_where_the_url_may_hold_a_password(client, settings, caplog):
    """libpq quotes an option's value it refuses; an '&' in a ?password= made its
    rest such an option (config.env.libpq_said)."""
    split = "Qz9Kp2LmW4vR8tN1"
    settings.DATABASE_URL = (
        f"postgres://u@db.example.com/app?password=Xy7&target_session_attrs={split}"
    )
    options = {**connection.settings_dict["OPTIONS"], "target_session_attrs": split}
    response = healthz_with(client, OPTIONS=options)
    assert response.status_code == 503
    assert "healthz: database unavailable: libpq's words not shown" in caplog.text
    assert split not in caplog.text


@pytest.mark.django_db
def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_robots_txt_does_not_name_the_admin_whose_pages_ask_not_to_be_indexed(client, settings):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"
    assert response.content.decode() == "User-agent: *\nDisallow: /accounts/\nDisallow: /debug/\n"
    assert settings.ADMIN_URL not in response.content.decode()
    login = client.get(f"/{settings.ADMIN_URL}login/").content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in login
