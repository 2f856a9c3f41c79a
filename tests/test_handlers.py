"""Test clients share one middleware chain per process (tests/handlers.py), and a
settings change still reaches the middleware that read it when built."""

from django.test import Client, override_settings


def test_clients_share_the_chain_a_web_process_would_build_once(db):
    first, second = Client(), Client()
    first.get("/healthz")
    second.get("/healthz")
    assert first.handler._middleware_chain is second.handler._middleware_chain


def test_a_settings_change_rebuilds_the_chain_for_the_next_request(db, settings):
    before = Client().get("/healthz")["Permissions-Policy"]
    assert "camera=()" in before
    settings.PERMISSIONS_POLICY = {"camera": ["self"]}
    assert Client().get("/healthz")["Permissions-Policy"] == "camera=(self)"
    with override_settings(PERMISSIONS_POLICY={"geolocation": []}):
        assert Client().get("/healthz")["Permissions-Policy"] == "geolocation=()"
    assert Client().get("/healthz")["Permissions-Policy"] == "camera=(self)"


def test_a_client_made_before_a_settings_change_keeps_its_own_chain(db, settings):
    """As a web process started before a change does: only new clients rebuild."""
    early = Client()
    early.get("/healthz")
    settings.PERMISSIONS_POLICY = {"camera": ["self"]}
    assert "camera=()" in early.get("/healthz")["Permissions-Policy"]
