"""`{% nearby_pages page_obj as numbers %}`: the page numbers a pager shows around the current one.

templates/_pagination.html links first / previous / these numbers / next / last.
Always the same count of numbers (5, or fewer when there are fewer pages), so the
pager keeps its width from page to page; the window slides at either end.
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
