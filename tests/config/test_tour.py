"""The tour's helpers and its index and pipenv pages."""

import re

import pytest

from config.tour import ENVIRONMENT_VARIABLES, locked_packages, source_excerpt
from tests.processes import BASE_DIR


def test_source_excerpt_reads_the_real_file():
    excerpt = source_excerpt("Procfile", "web:", 1)
    assert excerpt == {
        "path": "Procfile",
        "line": 2,
        "code": "web: gunicorn --config config/gunicorn.py config.wsgi",
    }


def test_every_runtime_package_is_installed_at_its_locked_version():
    packages = {row["name"]: row for row in locked_packages()}
    assert packages["django"]["locked"].startswith("5.2.")
    assert all(row["matches"] for row in packages.values()), packages
    assert all(row["hashes"] > 0 for row in packages.values())


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/tour/", "/"])
def test_the_tour_index_and_the_home_page_link_every_technique(client, path):
    response = client.get(path)
    assert response.status_code == 200
    for slug in ("pipenv", "static-versioning", "prefetch", "auth-backend", "s3-media"):
        assert f'href="/tour/{slug}/"'.encode() in response.content


@pytest.mark.django_db
def test_pipenv_tour_shows_lock_evidence_and_never_a_secret_value(client, monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "do-not-show-me-123")
    response = client.get("/tour/pipenv/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Every runtime package installed here is the version" in content
    assert "<code>DJANGO_SECRET_KEY</code></td><td>set</td>" in content
    assert "do-not-show-me-123" not in content
    assert "[packages]" in content


def test_the_pipenv_tour_lists_exactly_the_variables_of_env_example():
    example = (BASE_DIR / ".env.example").read_text()
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.M))
    assert set(ENVIRONMENT_VARIABLES) == documented


@pytest.mark.django_db
@pytest.mark.urls("tests.config.urls_without_media_tour")
def test_a_technique_whose_page_is_removed_leaves_the_index_and_the_home_page(client):
    for path in ("/", "/tour/"):
        page = client.get(path)
        assert page.status_code == 200
        assert 'href="/tour/s3-media/"' not in page.content.decode()
        assert 'href="/tour/prefetch/"' in page.content.decode()
    assert client.get("/tour/s3-media/").status_code == 404
