"""Data the load benchmark needs, and the pages it visits."""

import time

from django.conf import settings
from django.core.management import call_command
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.test import Client

from accounts.models import Company
from accounts.profiles import create_user_with_profile
from catalog.models import Product
from tests.bench import floors
from tests.bench.load import PAGE_NAMES, TRIVIAL


def logged_in_cookie() -> str:
    """The cookies of a logged-in browser (session and CSRF) of a user with a profile
    and a company."""
    company = Company.objects.create(name="Bench Works", slug="bench-works")
    user = create_user_with_profile(
        username="bench", email="bench@example.com", password="bench-password-1"
    )
    user.profile.company = company
    user.profile.save()
    client = Client()
    client.force_login(user)
    # A browser also holds the CSRF cookie its first page with a form set; without
    # it every page with the logout form would make and set a new one.
    request = HttpRequest()
    get_token(request)
    return (
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; "
        f"{settings.CSRF_COOKIE_NAME}={request.META['CSRF_COOKIE']}"
    )


def middle_product() -> Product:
    """The middle one of the published products by number, for the product page; a
    one-line stop when the seed published none (each is published with a chance)."""
    published = Product.objects.published().order_by("pk")
    if not (count := published.count()):
        raise SystemExit(
            "The seeded catalog holds no published product for the product page: "
            "give --products 2 or more."
        )
    return published[count // 2]


def prepare(*, products: int) -> tuple[list[tuple[str, str, bool]], str, float]:
    """Seed the benchmark database.

    Returns the pages as (name, path, logged_in), a session cookie, and the seconds
    seeding took.
    """
    started = time.perf_counter()
    call_command("seed_catalog", products=products, features_per_product=5, verbosity=0)
    seeded = time.perf_counter() - started
    product = middle_product()
    pages = [
        ("trivial", TRIVIAL, False),
        ("home", "/", False),
        # Anonymous: served from the page cache after the first request.
        ("product list", "/products/", False),
        # A parameter that is not the list's own skips the cache: every request renders.
        ("list, rendered", "/products/?uncached", False),
        ("list floor", floors.LIST_FLOOR, False),
        ("product detail", product.get_absolute_url(), False),
        ("profile", "/accounts/profile/", True),
        ("logged-in floor", floors.LOGGED_IN_FLOOR, True),
    ]
    assert tuple(name for name, _, _ in pages) == PAGE_NAMES
    return pages, logged_in_cookie(), seeded
