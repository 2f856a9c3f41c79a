"""`{% pager %}`: the pager of a ListView page, first / previous / nearby numbers / next / last.

    {% load pager %}{% pager %}      (where a ListView's page_obj and is_paginated are)

    <nav class="pagination" aria-label="Pages"><ul>
      <li><a href="?page=1&amp;sort=price" aria-label="First page">First</a></li>
      <li><a href="?page=4&amp;sort=price" rel="prev" aria-label="Previous page">Previous</a></li>
      <li><a href="?page=5&amp;sort=price" aria-current="page" aria-label="Page 5">5</a></li> ...
      <li><a href="?page=6&amp;sort=price" rel="next" aria-label="Next page">Next</a></li>
      <li><a href="?page=9&amp;sort=price" aria-label="Last page, 9">Last</a></li>
    </ul></nav>

Nothing when the list fits one page. Always the same count of numbers (5, or
fewer when there are fewer pages), so the pager keeps its width from page to
page; the window slides at either end. Each link keeps the other query
parameters and changes only the page: the href `{% querystring page=N %}` gives
(a test compares them).

Built here with string formatting, as the product cards are (catalog/cards.py):
as a template with `{% querystring %}` it was an include, two loops, nine deep
copies of the request's query and a localized number per link, about an eighth
of what a rendered product list cost. Here the other parameters are encoded once
and each link only puts its page number among them.
"""

from collections.abc import Callable
from html import escape
from urllib.parse import urlencode

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

EACH_SIDE = 2


def nearby_pages(page, each_side: int = EACH_SIDE) -> range:
    last = page.paginator.num_pages
    width = 2 * each_side + 1
    start = max(1, min(page.number - each_side, last - width + 1))
    return range(start, min(last, start + width - 1) + 1)


def page_href(query) -> Callable[[int], str]:
    """A function giving, for a page number, `{% querystring page=number %}` of `query`
    (a QueryDict): its parameters in their order, `page` replaced where it was (once,
    however often it came) or added last, each encoded as QueryDict.urlencode() does."""
    encoding = query.encoding
    before, after, seen = [], [], False
    for key, values in query.lists():
        if key == "page":
            seen = True
            continue
        pairs = [urlencode({key.encode(encoding): str(v).encode(encoding)}) for v in values]
        (after if seen else before).extend(pairs)
    head = "&".join([*before, ""])
    tail = "".join(f"&{pair}" for pair in after)
    return lambda number: f"?{head}page={number}{tail}"


@register.simple_tag(takes_context=True)
def pager(context) -> SafeString:
    if not context.get("is_paginated"):
        return mark_safe("")
    page = context["page_obj"]
    href = page_href(context.request.GET)
    last = page.paginator.num_pages

    def link(number: int, text, attributes: str = "") -> str:
        return f'<li><a href="{escape(href(number))}"{attributes}>{text}</a></li>'

    items = []
    if page.has_previous():
        items.append(link(1, "First", ' aria-label="First page"'))
        items.append(link(page.number - 1, "Previous", ' rel="prev" aria-label="Previous page"'))
    for number in nearby_pages(page):
        current = ' aria-current="page"' if number == page.number else ""
        items.append(link(number, number, f'{current} aria-label="Page {number}"'))
    if page.has_next():
        items.append(link(page.number + 1, "Next", ' rel="next" aria-label="Next page"'))
        items.append(link(last, "Last", f' aria-label="Last page, {last}"'))
    return mark_safe(  # noqa: S308  (hrefs escaped; the rest are numbers and fixed text)
        '\n<nav class="pagination" aria-label="Pages">\n  <ul>\n    '
        + "\n    ".join(items)
        + "\n  </ul>\n</nav>\n"
    )
