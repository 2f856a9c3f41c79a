"""S3 unreachable, wrong credentials or a missing bucket: form errors, never a 500."""

import logging

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile

from config.media import versions
from config.media.forms import NAME_ERROR_MESSAGE, STORAGE_ERROR_MESSAGE, MediaUploadForm


def upload_form(model, data=None, instance=None, filename="lamp.png"):
    Form = forms.modelform_factory(model, form=MediaUploadForm, fields=["title", "file"])
    files = {"file": SimpleUploadedFile(filename, b"the lamp", "image/png")}
    return Form(data or {"title": "Lamp"}, files, instance=instance)


def test_an_upload_is_stored_while_validating_then_saved(upload_model, fresh_s3):
    form = upload_form(upload_model)
    assert form.is_valid(), form.errors
    assert versions.list_versions(form.instance.file.name)  # in the bucket before any row
    item = form.save()
    item.refresh_from_db()
    assert item.file.name == "uploads/lamp.png"
    assert item.file.read() == b"the lamp"


def test_storage_failure_is_a_form_error_and_nothing_is_saved(upload_model, broken_s3, caplog):
    form = upload_form(upload_model)
    with caplog.at_level(logging.ERROR, logger="config.media.forms"):
        assert not form.is_valid()
    assert form.errors == {"file": [STORAGE_ERROR_MESSAGE]}
    assert upload_model.objects.count() == 0
    assert "Storing upload 'lamp.png'" in caplog.text


def test_a_name_the_storage_cannot_fit_is_a_form_error(upload_model, fresh_s3):
    # 99 characters, within the field's 100; under "uploads/" the storage must shorten
    # it, and can shorten only what comes before the first dot: here one letter.
    name = "a" + ".b" * 47 + ".png"
    form = upload_form(upload_model, filename=name)
    assert not form.is_valid()
    assert form.errors == {"file": [NAME_ERROR_MESSAGE]}
    assert upload_model.objects.count() == 0
    assert fresh_s3.client().list_object_versions(Bucket="media").get("Versions") is None


def test_an_edit_that_cannot_store_keeps_the_old_file(upload_model, broken_s3):
    item = upload_model.objects.create(title="Lamp", file="uploads/old.png")
    form = upload_form(upload_model, {"title": "Renamed"}, instance=item)
    assert not form.is_valid()
    item.refresh_from_db()
    assert (item.title, item.file.name) == ("Lamp", "uploads/old.png")


def test_an_edit_without_a_new_file_stores_nothing(upload_model, fresh_s3):
    item = upload_model.objects.create(title="Lamp", file="uploads/old.png")
    Form = forms.modelform_factory(upload_model, form=MediaUploadForm, fields=["title", "file"])
    form = Form({"title": "Renamed"}, instance=item)
    assert form.is_valid(), form.errors
    form.save()
    item.refresh_from_db()
    assert (item.title, item.file.name) == ("Renamed", "uploads/old.png")
    assert versions.list_versions("uploads/old.png") == []


def test_other_errors_store_nothing(upload_model, fresh_s3):
    form = upload_form(upload_model, {"title": ""})
    assert not form.is_valid()
    assert list(form.errors) == ["title"]
    assert versions.list_versions("uploads/lamp.png") == []


@pytest.mark.django_db
def test_pages_that_do_not_touch_media_keep_working(client, broken_s3):
    for path in ("/", "/tour/", "/tour/pipenv/", "/healthz"):
        assert client.get(path).status_code == 200, path
    tour = client.get("/tour/s3-media/")
    assert tour.status_code == 503
    assert "The media bucket could not be read just now" in tour.content.decode()
