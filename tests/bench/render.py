"""What each page costs to render, in this process, with production's template settings.

    pipenv run python -m tests.bench.render [--products 50000] [--requests 200]
    pipenv run python -m tests.bench.render --profile "product list" [--top 30]

Runs the site through Django's test client on a fresh database of the local
PostgreSQL seeded with `seed_catalog` (5 features a product), with DEBUG off,
template debug off (Django's cached template loader) and the query log on, as
the demo deployment runs. Prints the median and 90th percentile milliseconds of
each page and the no-op view (/robots.txt) beside them; with --profile, first
the functions a page (or every page) spends its time in (cProfile, by own time
and cumulative). --reuse keeps the database an earlier run set up to the end,
with its catalog (the table's first line says how many products it holds); one
left half set up by a stopped run is set up again. List pages are requested
with a parameter that skips the page cache: what a logged-in visitor, who never
hits it, gets. It runs with a web worker's
garbage-collector settings (config/gc_tuning.py), as bench_prefetch does.
docs/production.md ("Where the time goes") has the figures.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

from config import cancel_on_stop
from config.commands import at_least_one, at_most
from tests.bench.load import product_count


def setup_django(products: int, reuse: bool) -> bool:
    """Django on the benchmark's database, set up with `products`; or with `reuse`, on
    the one an earlier run set up to the end, if any. Returns whether it was kept."""
    os.environ["ENVIRONMENT"] = "development"
    # Production settings need a media bucket: the local S3 server's, as in the tests.
    from config.local import s3 as locals3

    os.environ.update(locals3.start().environ())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tests.processes import (
        collect_static,
        database_url_beside,
        fresh_database,
        refuse_if_in_use,
        stay_connected,
    )

    collect_static()

    # The name fresh_database gives it (with a test worker's, under pytest-xdist).
    url = database_url_beside("bench_render")
    name = urlsplit(url).path.lstrip("/")
    refuse_if_in_use(url)
    if reuse and set_up(name):
        stay_connected(url)
        connection.close()
        connection.settings_dict["NAME"] = name
        return True
    if reuse and exists(name):
        print(
            f"The database {name} was left half set up by a run that was stopped: "
            "setting it up again.",
            file=sys.stderr,
        )
    url = fresh_database("bench_render")
    stay_connected(url)
    connection.close()
    connection.settings_dict["NAME"] = urlsplit(url).path.lstrip("/")
    call_command("migrate", verbosity=0)
    call_command("seed_catalog", products=products, features_per_product=5, verbosity=0)
    prepare_users()
    mark_set_up(name)
    return False


# What the benchmark's database says of itself (PostgreSQL's comment on it) once
# migrated, seeded and given its users: a run stopped before then left one that
# --reuse took, and that failed later ("give --products 2 or more", a missing user).
SET_UP = "tests.bench.render: set up"


def mark_set_up(database: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"COMMENT ON DATABASE {connection.ops.quote_name(database)} IS %s", [SET_UP])


def set_up(database: str) -> bool:
    """Whether `database` exists and a run set it up to the end."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [database],
        )
        found = cursor.fetchone()
    return found is not None and found[0] == SET_UP


def heading(requests: int, kept: bool) -> str:
    """The table's first line, with the products the database holds: --reuse keeps
    the catalog of an earlier run, whatever --products says."""
    from catalog.models import Product

    products = Product.objects.count()
    return (
        f"{products} product{'s' if products != 1 else ''} x 5 features"
        + (" (kept from an earlier run)" if kept else "")
        + f", {requests} request{'s' if requests != 1 else ''} a page, in process"
    )


def exists(database: str) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        return cursor.fetchone() is not None


def production_templates() -> list[dict]:
    """The TEMPLATES setting with template debug off, as DEBUG=False gives it."""
    from django.conf import settings

    return [
        {**engine, "OPTIONS": {**engine["OPTIONS"], "debug": False}}
        for engine in settings.TEMPLATES
    ]


@contextmanager
def as_served():
    """Run the block as a web worker serves pages: production's template settings
    (`production_templates`), the query log on as the demo deployment has it, and
    a worker's garbage-collector settings (config/gc_tuning.py, as bench_prefetch
    uses them); then the caller's settings again."""
    from django.test import override_settings

    from config import gc_tuning

    with (
        gc_tuning.as_worker(),
        override_settings(
            DEBUG=False,
            TEMPLATES=production_templates(),
            QUERY_LOG=True,
            ALLOWED_HOSTS=["testserver"],
        ),
    ):
        yield


def prepare_users() -> None:
    """The load benchmark's user and company, with 30 more members."""
    from accounts.models import Company
    from accounts.profiles import create_user_with_profile
    from tests.bench import fixtures

    fixtures.logged_in_cookie()
    company = Company.objects.get(slug="bench-works")
    for n in range(30):
        member = create_user_with_profile(
            username=f"member{n}", email=f"m{n}@example.com", password="bench-password-1"
        )
        member.profile.company = company
        member.profile.save()


# The list's page 2 needs more than a page (24) of published products, and each
# seeded product is published with a chance.
MIN_PRODUCTS = 100


def render_product_count(text: str) -> int:
    """argparse's `type` for --products: the load benchmark's, from MIN_PRODUCTS (a
    smaller catalog failed at the list's page 2, after the seed)."""
    number = product_count(text)
    if number < MIN_PRODUCTS:
        raise argparse.ArgumentTypeError(
            f"give {MIN_PRODUCTS} or more: the list's page 2 needs more than a page of "
            "published products"
        )
    return number


# A page of about 10 ms (the product list, docs/production.md) takes 100 s at this
# many, the eight pages a quarter of an hour, and --profile all as long again.
MAX_REQUESTS = 10_000


def request_count(text: str) -> int:
    """argparse's `type` for --requests: 1 to MAX_REQUESTS a page (10**30 never ended)."""
    return at_most(at_least_one(text), MAX_REQUESTS, "a page")


PAGE_NAMES = (
    "no-op",
    "home",
    "product list",
    "list, page 2",
    "category",
    "product detail",
    "profile",
    "company",
)


def pages() -> list[tuple[str, str, bool]]:
    """(name, path, logged in) of each page measured."""
    from catalog.models import Category
    from tests.bench.fixtures import middle_product

    product = middle_product()
    category = Category.objects.order_by("name").first()
    found = [
        ("no-op", "/robots.txt", False),
        ("home", "/", False),
        # A parameter that is not the list's own skips the page cache, as logged-in
        # visitors always do: every request renders (the count is still kept).
        ("product list", "/products/?uncached", False),
        ("list, page 2", "/products/?page=2&sort=price&uncached", False),
        ("category", category.get_absolute_url() + "?uncached", False),
        ("product detail", product.get_absolute_url(), False),
        ("profile", "/accounts/profile/", True),
        ("company", "/companies/bench-works/", False),
    ]
    assert tuple(name for name, _, _ in found) == PAGE_NAMES
    return found


def client_for(logged_in: bool):
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    if logged_in:
        client.force_login(get_user_model().objects.get(username="bench"))
    return client


def measure(pages: list[tuple[str, str, bool]], requests: int) -> list[dict]:
    """Per page: median wall and CPU milliseconds (this process's CPU: rendering, not the
    database server's work, and steadier than wall time on a busy machine), the 90th
    percentile wall time, and the Python function calls of one request."""
    rows = []
    for name, path, logged_in in pages:
        client = client_for(logged_in)
        for _ in range(5):  # warm up: connections, compiled templates, the kept count
            if (status := client.get(path).status_code) != 200:  # a page 2 of too few
                raise SystemExit(
                    f"The {name} page ({path}) answered {status}, not 200: a database "
                    "kept with --reuse from a run of too few products? Run without it."
                )
        wall, cpu = [], []
        for _ in range(requests):
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(path)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
        profiler = cProfile.Profile()
        profiler.runcall(client.get, path)
        wall.sort()
        rows.append(
            {
                "page": name,
                "wall": statistics.median(wall),
                "p90": wall[int(len(wall) * 0.9)],
                "cpu": statistics.median(cpu),
                "calls": pstats.Stats(profiler).total_calls,
            }
        )
    return rows


def profile(path: str, logged_in: bool, requests: int, top: int) -> None:
    client = client_for(logged_in)
    for _ in range(5):
        client.get(path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    from catalog.demo_data import MAX_PRODUCTS

    parser.add_argument(
        "--products",
        type=render_product_count,
        default=50_000,
        help=f"seeded (default %(default)s, from {MIN_PRODUCTS} to {MAX_PRODUCTS:,})",
    )
    parser.add_argument(
        "--requests",
        type=request_count,
        default=200,
        help=f"per page (default %(default)s, at most {MAX_REQUESTS:,})",
    )
    parser.add_argument(
        "--profile",
        metavar="PAGE",
        choices=[*PAGE_NAMES, "all"],
        help=f"then profile one page ({', '.join(PAGE_NAMES)}), or all",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database an earlier run set up to the end, if any, with its products",
    )
    parser.add_argument(
        "--top",
        type=at_least_one,
        default=30,
        help="functions shown by --profile (default %(default)s)",
    )
    args = parser.parse_args(argv)
    from django.core.management import CommandError

    try:
        kept = setup_django(args.products, args.reuse)
    # The seed's (the media storage failed, say), or another run holds the database.
    except CommandError as error:
        sys.exit(f"Error: {error}")
    from config import gc_tuning

    with as_served():
        settings_line = f"Garbage collector (worker settings): {gc_tuning.describe()}."
        measured = pages()
        rows = measure(measured, args.requests)
        chosen = [page for page in measured if args.profile in (page[0], "all")]
        for name, path, logged_in in chosen:
            print(f"===== {name} ({path})")
            profile(path, logged_in, args.requests, args.top)
        first_line = heading(args.requests, kept)
    noop = rows[0]
    print(first_line)
    print(f"{'page':<16}{'wall ms':>9}{'p90 ms':>9}{'CPU ms':>9}{'x no-op':>9}{'calls':>8}")
    for row in rows:
        print(
            f"{row['page']:<16}{row['wall']:>9.2f}{row['p90']:>9.2f}{row['cpu']:>9.2f}"
            f"{row['cpu'] / noop['cpu']:>9.1f}{row['calls']:>8}"
        )
    print("x no-op: CPU time against the no-op view's; calls: Python calls of one request")
    print(settings_line)
    return 0


if __name__ == "__main__":
    cancel_on_stop.run(main)  # no traceback on a stop; atexit and `finally` run
