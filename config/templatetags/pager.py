"""The pager of templates/_pagination.html: first / previous / nearby numbers / next / last.

`{% nearby_pages page_obj as numbers %}`: the page numbers a pager shows around the
current one. Always the same count of numbers (5, or fewer when there are fewer
pages), so the pager keeps its width from page to page; the window slides at
either end.

`{% page_links page_obj as links %}`: the href of each of those links, each what
`{% querystring page=N %}` gives (the other parameters kept, the page changed),
from one copy of the request's query instead of one per link: `{% querystring %}`
deep-copies it every time, nine times a page.
"""

from django import template

register = template.Library()

EACH_SIDE = 2


@register.simple_tag
def nearby_pages(page, each_side: int = EACH_SIDE) -> range:
    last = page.paginator.num_pages
    width = 2 * each_side + 1
    start = max(1, min(page.number - each_side, last - width + 1))
    return range(start, min(last, start + width - 1) + 1)


@register.simple_tag(takes_context=True)
def page_links(context, page) -> dict:
    """`first`, `previous`, `next`, `last` (None where there is none) and `numbers`,
    a list of (number, href) for `nearby_pages(page)`."""
    params = context.request.GET.copy()

    def href(number: int) -> str:
        params["page"] = number
        return f"?{params.urlencode()}"

    last = page.paginator.num_pages
    return {
        "first": href(1) if page.has_previous() else None,
        "previous": href(page.number - 1) if page.has_previous() else None,
        "numbers": [(number, href(number)) for number in nearby_pages(page)],
        "next": href(page.number + 1) if page.has_next() else None,
        "last": href(last) if page.has_next() else None,
    }
