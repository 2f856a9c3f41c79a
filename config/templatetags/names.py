"""`{{ name|breaks_between_parts }}`: a dotted name or a path that may wrap after its
dots and slashes, never inside a word.

Inline code wraps with `overflow-wrap: break-word` (static/css/site.css), which
keeps a word whole unless it is longer than the line, and then splits it anywhere:
on a phone `whitenoise.storage.CompressedManifestStaticFilesStorage` became
`...CompressedManifestSta|ticFilesStorage`. A `<wbr>` after each dot and slash
gives the line somewhere better to break (docs/demo-site.md, "Phones").
"""

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

SEPARATOR = re.compile(r"([./])(?=\w)")


@register.filter(is_safe=True, needs_autoescape=True)
def breaks_between_parts(value, autoescape=True) -> SafeString:
    text = conditional_escape(value) if autoescape else str(value)
    return mark_safe(SEPARATOR.sub(r"\1<wbr>", text))  # noqa: S308  (escaped first)
