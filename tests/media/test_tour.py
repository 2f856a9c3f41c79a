"""The tour page of the versioned S3 media technique, live against the local S3 server."""

import pytest
from django.test import Client

from config.media import versions
from config.media.tour import DEMO_NAME


@pytest.mark.django_db
def test_tour_page_shows_the_problem_the_code_and_the_bucket(client, fresh_s3):
    response = client.get("/tour/s3-media/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "one bad <code>DELETE</code>" in content
    assert "def media_storage" in content  # read live from config/media/storage.py
    assert "copy_object" in content  # read live from config/media/versions.py
    assert "Versioning: <strong>Enabled (MFA delete: Disabled)</strong>" in content
    assert "No versions of <code>tour/s3-media-demo.txt</code> yet" in content


@pytest.mark.django_db
def test_demonstration_deletes_and_restores_the_demo_object(admin_client, fresh_s3):
    client = admin_client
    response = client.post("/tour/s3-media/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Download its presigned URL: HTTP 200" in content
    assert "Download the same URL again: HTTP 404." in content
    assert "bytes identical to the saved ones: yes" in content

    found = versions.list_versions(DEMO_NAME)
    # Newest first: the restored copy, the delete marker, the saved version.
    assert [v.is_delete_marker for v in found] == [False, True, False]
    assert content.count("<td>delete marker</td>") == 1
    # Run again: one more save, delete and restore of the same key.
    client.post("/tour/s3-media/")
    assert len(versions.list_versions(DEMO_NAME)) == 6


@pytest.mark.django_db
def test_visitors_cannot_run_the_demonstration(client, fresh_s3):
    response = client.post("/tour/s3-media/")
    assert response.status_code == 404  # not a redirect to the admin's login
    assert versions.list_versions(DEMO_NAME) == []
    assert "Run the demonstration" not in client.get("/tour/s3-media/").content.decode()


@pytest.mark.django_db
def test_demonstration_needs_csrf(fresh_s3):
    assert Client(enforce_csrf_checks=True).post("/tour/s3-media/").status_code == 403
    assert versions.list_versions(DEMO_NAME) == []


@pytest.mark.django_db
def test_tour_on_local_disk_explains_instead_of_failing(admin_client, settings):
    client = admin_client
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    for response in (client.get("/tour/s3-media/"), client.post("/tour/s3-media/")):
        assert response.status_code == 503
        assert "FileSystemStorage, not S3" in response.content.decode()


@pytest.mark.django_db
def test_demonstration_refuses_an_unversioned_bucket(admin_client, fresh_s3):
    versions.set_versioning(False)
    response = admin_client.post("/tour/s3-media/")
    assert response.status_code == 503
    assert "not versioned" in response.content.decode()
    assert versions.list_versions(DEMO_NAME) == []  # refused before writing anything
