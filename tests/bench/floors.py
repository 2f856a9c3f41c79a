"""Two pages the load benchmark measures beside the site's own, each a page's floor:
what the page does before any of its own markup, answered as it is.

- **logged-in floor** (`/bench/logged-in-floor/`): what every logged-in page
  does before its own work. Django's session, then the user, loaded by the
  project's auth backend as the profile page has it (one statement with its
  profile and company). Answered with the username as plain text: no
  template, no CSRF token, no messages.
- **list floor** (`/bench/list-floor/`): the product list's own work. Its two
  statements and its 24 cards (catalog/cards.py), as the first page of
  /products/ shows them. Without the page around them: the header, the sort
  and size controls, the count and the pager.

A page's "x trivial" cannot pass its floor's: the distance between the two is
what its template and the rest of the page cost. The load benchmark's web
process serves these from this URLconf (tests/bench/settings.py): the site's
own URLs, then these two. They are not in the site.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from catalog import cards
from catalog.models import Product
from catalog.querysets import DEFAULT_SORT
from catalog.views import PER_PAGE
from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as site

LOGGED_IN_FLOOR = "/bench/logged-in-floor/"
LIST_FLOOR = "/bench/list-floor/"


@login_required
def logged_in_floor(request):
    return HttpResponse(request.user.get_username(), content_type="text/plain; charset=utf-8")


def list_floor(request):
    products = Product.objects.published().for_list().sorted_by(DEFAULT_SORT).with_features()
    return HttpResponse(cards.render(products[:PER_PAGE]))


urlpatterns = [
    *site,
    path(LOGGED_IN_FLOOR.removeprefix("/"), logged_in_floor),
    path(LIST_FLOOR.removeprefix("/"), list_floor),
]
