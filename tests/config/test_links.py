"""`{% link %}` (config/templatetags/links.py) gives what `{% url %}` gives, whatever
the URLconf and script prefix, though it reverses each name once."""

import pytest
from django.template import engines
from django.test import override_settings
from django.urls import NoReverseMatch, reverse, set_script_prefix

from config.templatetags.links import link


def test_the_header_links_are_the_reversed_urls():
    html = engines["django"].from_string("{% load links %}{% link 'accounts:login' %}").render()
    assert html == reverse("accounts:login") == "/accounts/login/"


def test_a_script_prefix_is_followed():
    assert link("tour") == "/tour/"
    set_script_prefix("/shop/")
    try:
        assert link("tour") == "/shop/tour/"
    finally:
        set_script_prefix("/")
    assert link("tour") == "/tour/"


def test_another_urlconf_is_reversed_afresh():
    assert link("tour-s3-media") == "/tour/s3-media/"
    with (
        override_settings(ROOT_URLCONF="tests.config.urls_without_media_tour"),
        pytest.raises(NoReverseMatch),
    ):
        link("tour-s3-media")
    assert link("tour-s3-media") == "/tour/s3-media/"
