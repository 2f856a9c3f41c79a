"""An admin list page whose filters or action the database cannot run: the 400 page.

The admin's list pages filter on any field of their model straight from the query
string (`?username__regex=(`, `?date_joined__year=10000`), and their actions take
the ids they are posted (`_selected_action=abc`). Django checks the lookup's name,
not the value: a value the database refuses (an invalid regular expression, a year
past 9999, a date hierarchy's last month of 9999, an id that is no number) raised
from deep in the list page, a 500 on every list page of every model, the
project's, Django's and django-axes' alike. And some lookups take a value of a
shape the admin never prepares: `?id__range=1` left BETWEEN one value short
(IndexError) and `?id__range=123` gave it three (TypeError), raised as the SQL
was compiled. `AdminListInputMiddleware` answers those with the 400 page, for the
list pages only: what a value the database or the SQL compiler cannot take
raises (DataError, ValueError, OverflowError, TypeError, IndexError). Anything
else stays what it was: a database that cannot be reached is the 503 page.

The same exceptions can also come from a list page's own bug (a `list_display`
callable that raises, an action's UPDATE the database refuses). So each one is
logged at ERROR with its traceback, which Sentry reports like any server fault:
staff get the 400 page, the operator still hears of a bug. The price: a member of
staff typing a bad filter by hand also makes an event.
"""

import logging

from django.db import DataError

from config.views import bad_request

# What a filter's or an action's value raises when the database or the SQL
# compiler cannot take it.
REFUSED_INPUT = (DataError, ValueError, OverflowError, TypeError, IndexError)

logger = logging.getLogger(__name__)


class AdminListInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        match = request.resolver_match
        admin_list = (
            match is not None
            and match.namespace == "admin"
            and (match.url_name or "").endswith("_changelist")
        )
        if not admin_list or not isinstance(exception, REFUSED_INPUT):
            return None
        logger.error("Admin list page %s answered 400", request.path, exc_info=exception)
        return bad_request(request, exception)
