"""`{% link "accounts:login" %}`: the URL of a pattern without arguments, reversed once.

The header's links are on every page, and each `{% url %}` is a `reverse()`
(candidate patterns, quoting, a regex check) for a URL that never changes while
the process runs. This keeps each answer per URLconf and script prefix: a
changed URLconf (a request's own `urlconf`, a test's ROOT_URLCONF, which makes
Django build a new resolver) or prefix (SCRIPT_NAME) is reversed afresh.
"""

from weakref import WeakKeyDictionary

from django import template
from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse

register = template.Library()

# resolver -> {(view name, script prefix): url}; a resolver Django drops drops its URLs.
_reversed: WeakKeyDictionary = WeakKeyDictionary()


@register.simple_tag
def link(view_name: str) -> str:
    urls = _reversed.setdefault(get_resolver(get_urlconf()), {})
    key = (view_name, get_script_prefix())
    url = urls.get(key)
    if url is None:
        url = urls[key] = reverse(view_name)
    return url
