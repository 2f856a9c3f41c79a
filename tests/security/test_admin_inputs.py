"""Odd values in the admin's URLs and list forms get a 4xx page or a message, never a 500.

The admin's list pages filter on any field of their model straight from the query
string, its "view on site" link looks any object up by content type, and its
list actions take the ids they are sent. Every list page of every registered
model, every field, and values the database refuses; every content type.
"""

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import Client
from django.urls import reverse

from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def refused_values(field: models.Field) -> list[str]:
    """Filter values the database, not Django, refuses for this field."""
    values = [f"{field.attname}=a%00b"]
    if isinstance(field, models.CharField | models.TextField):
        values.append(f"{field.attname}__regex=(")
    if isinstance(field, models.DateField):  # DateTimeField too
        values += [f"{field.attname}__year=10000", f"{field.attname}__year=0"]
    if isinstance(field, models.IntegerField | models.AutoField | models.ForeignKey):
        values.append(f"{field.attname}=99999999999999999999")
    if isinstance(field, models.DecimalField):
        values.append(f"{field.attname}=1e999999")
    return values


def changelists() -> list[tuple[str, type]]:
    return [
        (reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"), model)
        for model in admin.site._registry
    ]


@pytest.fixture
def superuser():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


# Each request on its own transaction, as a web process runs it: an error of the
# database would otherwise abort the test's one transaction for every request after.
@pytest.mark.django_db(transaction=True)
def test_list_filters_the_database_refuses_are_no_500(superuser):
    ProductFactory()
    tried = 0
    for url, model in changelists():
        for field in model._meta.concrete_fields:
            for query in refused_values(field):
                response = superuser.get(f"{url}?{query}")
                assert response.status_code < 500, (url, query, response.status_code)
                tried += 1
    assert tried > 100


def test_the_company_autocomplete_refuses_a_nul(superuser):
    response = superuser.get(
        "/admin/autocomplete/",
        {"app_label": "accounts", "model_name": "profile", "field_name": "company", "term": "\0"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize("staff", ["superuser", "no permissions"])
def test_view_on_site_for_every_content_type_is_no_500(staff):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(is_staff=True, is_superuser=staff == "superuser"))
    for content_type in ContentType.objects.all():
        for object_id in ("1", "x"):
            response = client.get(f"/admin/r/{content_type.pk}/{object_id}/")
            assert response.status_code < 500, (content_type, object_id, response.status_code)


@pytest.mark.django_db(transaction=True)
def test_a_list_action_on_ids_that_are_no_ids_is_no_500(superuser):
    ProductFactory()
    for url, _ in changelists():
        for selected in ("abc", "1.5", "99999999999999999999"):
            response = superuser.post(
                url, {"action": "delete_selected", "index": "0", "_selected_action": selected}
            )
            assert response.status_code < 500, (url, selected, response.status_code)
