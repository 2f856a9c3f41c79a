"""`?page=` as the site writes it, for the site's list views (the admin's lists,
staff's alone, read theirs as Django does).

Django's ListView reads the page with `int()`, which also takes `+2`, ` 2`, `1_0`
(page 10) and other scripts' digits (Arabic-Indic, full-width): each showed a
page the site links to another way. `PageNumberMixin` answers those with the 404
any page Django cannot read gets; a page in ASCII digits (a leading zero, a minus
sign: what `manage.py`'s numbers take), `last` and an empty one (the first page)
go on to Django as before, a number without the zeros before it.
"""

from django.http import Http404

from config.commands import WHOLE_NUMBER


class PageNumberMixin:
    """For a ListView: its page number in ASCII digits or `last`, else a 404."""

    def paginate_queryset(self, queryset, page_size):
        page = self.kwargs.get(self.page_kwarg) or self.request.GET.get(self.page_kwarg)
        # Empty is the first page, as Django reads it.
        if page and page != "last":
            if not WHOLE_NUMBER.fullmatch(page):
                raise Http404("A page is a number or last.")
            # Without the zeros before it: int() refuses more than 4,300 digits, zeros
            # too, where fewer zeros read as the same page. Django reads kwargs first.
            sign, digits = ("-", page[1:]) if page.startswith("-") else ("", page)
            self.kwargs = {**self.kwargs, self.page_kwarg: sign + (digits.lstrip("0") or "0")}
        return super().paginate_queryset(queryset, page_size)
