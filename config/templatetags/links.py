"""`{% link "accounts:login" %}`: the URL of a pattern without arguments, reversed once.

The header's links are on every page, and each `{% url %}` is a `reverse()`
(candidate patterns, quoting, a regex check) for a URL that never changes while
the process runs. `kept_url()` keeps each answer per URLconf, script prefix and
language: a changed URLconf (a request's own `urlconf`, a test's ROOT_URLCONF,
which makes Django build a new resolver), prefix (SCRIPT_NAME) or active language
(a fork's `i18n_patterns` put it in every URL) is reversed afresh. The product
cards keep their link prefixes with it too (catalog/cards.py).
"""

from collections.abc import Callable, Hashable
from weakref import WeakKeyDictionary

from django import template
from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

register = template.Library()

# resolver -> {(key, script prefix, language): url}; a resolver Django drops drops its URLs.
_reversed: WeakKeyDictionary = WeakKeyDictionary()


def kept_url(key: Hashable, make: Callable[[str], str], view_name: str) -> str:
    """`make(view_name)`, a URL made by reversing, kept under `key` for the current
    URLconf, script prefix and language: made again only under another of them."""
    urls = _reversed.setdefault(get_resolver(get_urlconf()), {})
    key = (key, get_script_prefix(), get_language())
    url = urls.get(key)
    if url is None:
        url = urls[key] = make(view_name)
    return url


@register.simple_tag
def link(view_name: str) -> str:
    return kept_url(view_name, reverse, view_name)
