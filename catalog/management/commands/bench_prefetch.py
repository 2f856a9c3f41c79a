"""`manage.py bench_prefetch --sizes 50,500,5000 [--json] [--repeats N] [--gc worker|default]`.

Loads the first N published products with each feature-loading strategy and
prints the median of the repeats: a table, or with --json one object per line:
{"strategy": "bounded", "n": 5000, "queries": 2, "sql_bytes": 398, "ms": 206.4}
Needs at least max(sizes) published products (`seed_catalog`).

It runs with a web worker's garbage-collector settings (config/gc_tuning.py),
as the pages it stands for do; `--gc default` keeps CPython's. Which ones ran
is the line under the table (on stderr with --json, so stdout stays JSON).
"""

import json
import math
from contextlib import nullcontext
from fractions import Fraction

from django.core.management.base import CommandError

from catalog import bench, demo_data
from catalog.features import STRATEGIES
from catalog.models import Product
from config import gc_tuning
from config.commands import WHOLE_NUMBER, DatabaseCommand, capped, whole_number
from config.env import shown


def comma_parts(text: str, option: str, what: str) -> list[str]:
    """The comma-separated parts of an option's value, each once, in the order
    given; an empty part (`50,,500`, a trailing comma) is a mistake, not skipped."""
    found = [part.strip() for part in text.split(",")]
    if not all(found):
        raise CommandError(f"{option} takes comma-separated {what}, got {shown(text)}.")
    return list(dict.fromkeys(found))


def number_list(text: str) -> list[int]:
    parts = comma_parts(text, "--sizes", "numbers")
    if not all(WHOLE_NUMBER.fullmatch(part) for part in parts):
        raise CommandError(
            f"--sizes takes comma-separated numbers in ASCII digits, got {shown(text)}."
        )
    if any(part.startswith("-") for part in parts):
        raise CommandError("--sizes must be numbers of 1 or more.")
    sizes = [capped(part, MAX_SIZE + 1) for part in parts]  # any number of digits
    if min(sizes) < 1:
        raise CommandError("--sizes must be numbers of 1 or more.")
    if max(sizes) > MAX_SIZE:
        raise CommandError(
            f"--sizes can be at most {MAX_SIZE:,} products: the seed it would need is more "
            "than one run of seed_catalog adds."
        )
    return list(dict.fromkeys(sizes))  # "5,05" is one size


def to_seed(missing: int) -> int:
    """How many products `seed_catalog` should add to publish `missing` more.

    It publishes each with a chance (demo_data.PUBLISHED_SHARE), so the count
    assumes five points fewer are published, and adds five. In fractions: a float
    division rounds a large count off.
    """
    share = Fraction(str(demo_data.PUBLISHED_SHARE)) - Fraction(5, 100)
    return math.ceil(missing / share) + 5


# The median of 100 runs says what more would; a number past it would run for hours.
MAX_REPEATS = 100
# Under what one run of seed_catalog can publish (its MAX_PRODUCTS, less the
# unpublished share): the error for a catalog too small names a seed that can run.
MAX_SIZE = 500_000


class Command(DatabaseCommand):
    help = "Compare the naive, prefetch and bounded ways of loading product features."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sizes",
            default="50,500,5000",
            help=f"products per run, comma-separated (default %(default)s, each at most "
            f"{MAX_SIZE:,})",
        )
        parser.add_argument(
            "--repeats",
            type=whole_number,
            default=5,
            help=f"runs per size, 1 to {MAX_REPEATS} (median kept)",
        )
        parser.add_argument(
            "--strategies", default=",".join(STRATEGIES), help="comma-separated subset"
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="one JSON object per line"
        )
        parser.add_argument(
            "--gc",
            dest="gc_settings",
            choices=["worker", "default"],
            default="worker",
            help="garbage-collector settings: a web worker's (config/gc_tuning.py) or CPython's",
        )

    def handle(self, *args, sizes, repeats, strategies, as_json, gc_settings, **options):
        sizes = number_list(sizes)
        strategies = comma_parts(strategies, "--strategies", "names")
        if not set(strategies) <= set(STRATEGIES):
            raise CommandError(f"--strategies: choose among {', '.join(STRATEGIES)}.")
        if repeats < 1:
            raise CommandError("--repeats must be 1 or more.")
        if repeats > MAX_REPEATS:
            raise CommandError(f"--repeats must be at most {MAX_REPEATS}.")
        available = Product.objects.published().count()
        if max(sizes) > available:
            more = to_seed(max(sizes) - available)
            raise CommandError(
                f"{max(sizes):,} product{'s' if max(sizes) != 1 else ''} asked for, "
                f"{available:,} published: "
                f"run `manage.py seed_catalog --products {more}` first (it adds {more:,}, "
                f"of which it publishes about {demo_data.PUBLISHED_SHARE:.0%})."
            )
        with gc_tuning.as_worker() if gc_settings == "worker" else nullcontext():
            ran_with = f"Garbage collector ({gc_settings} settings): {gc_tuning.describe()}."
            results = bench.compare(sizes, repeats, strategies)
        for n in sizes:
            digests = {run.digest for run in results if run.n == n}
            if len(digests) > 1:
                raise CommandError(f"The strategies showed different data at n={n}.")
        if as_json:
            for run in results:
                self.stdout.write(json.dumps(run.as_dict()))
            self.stderr.write(ran_with)
        else:
            self.stdout.write(table(results, repeats))
            self.stdout.write(f"\n{ran_with}")


def table(results: list[bench.Run], repeats: int) -> str:
    """A Markdown table (it goes straight into docs/prefetch.md)."""
    prefetch_ms = {run.n: run.ms for run in results if run.strategy == "prefetch"}
    lines = [
        "| strategy | products | queries | features SQL (bytes) | ms (median of "
        f"{repeats}) | time vs prefetch |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for run in results:
        ratio = f"{run.ms / prefetch_ms[run.n]:.2f}x" if prefetch_ms.get(run.n) else ""
        lines.append(
            f"| {run.strategy} | {run.n:,} | {run.queries:,} | {run.sql_bytes:,} "
            f"| {run.ms:,.1f} | {ratio} |"
        )
    return "\n".join(lines)
