"""seed_catalog and bench_prefetch, run as commands and their output parsed."""

import json
import re
from fractions import Fraction
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from catalog import demo_data
from catalog.models import Category, Feature, Product

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def catalog() -> list[tuple]:
    return list(
        Product.objects.order_by("id").values_list(
            "name", "price", "category__slug", "is_published", "description", "image"
        )
    )


def test_seed_creates_products_features_and_categories():
    output = run("seed_catalog", "--products", "40", "--features-per-product", "4")
    assert re.search(r"Seeded 40 products with 160 features in \d+\.\d s\.", output)
    assert Product.objects.count() == 40
    assert Feature.objects.count() == 160
    assert Category.objects.count() == 10
    product = Product.objects.first()
    assert re.fullmatch(r"[a-z0-9-]+-\d+", product.slug)
    assert product.price > 0
    assert len({f.name for f in product.features.all()}) == 4
    assert list(product.features.values_list("position", flat=True)) == [0, 1, 2, 3]


def test_seed_is_repeatable_with_the_same_seed():
    run("seed_catalog", "--products", "30", "--seed", "7")
    first = catalog()
    run("seed_catalog", "--products", "30", "--seed", "7", "--clear")
    assert catalog() == first
    run("seed_catalog", "--products", "30", "--seed", "8", "--clear")
    assert catalog() != first


def test_seed_adds_to_an_existing_catalog_with_new_slugs():
    run("seed_catalog", "--products", "10")
    run("seed_catalog", "--products", "10")
    assert Product.objects.values("slug").distinct().count() == 20


def test_seed_if_empty_runs_once():
    assert "Seeded 5 products" in run("seed_catalog", "--products", "5", "--if-empty")
    assert "nothing seeded" in run("seed_catalog", "--products", "5", "--if-empty")
    assert Product.objects.count() == 5


def test_seed_shows_progress_on_long_runs():
    output = run("seed_catalog", "--products", "25", "--batch-size", "10")
    progress = re.findall(r"^  (\d+) / 25 products \(\d+\.\d s\)$", output, re.MULTILINE)
    assert progress == ["10", "20", "25"]


def test_seed_inserts_at_most_25000_features_a_batch():
    """The batch counted products only: --features-per-product 32768 (the most a
    position holds) with the default 200 products built 6.5 million features, about
    2 GB, in one insert: a 512 MB one-off dyno was killed without a word."""
    output = run("seed_catalog", "--products", "3", "--features-per-product", "12500")
    progress = re.findall(r"^  (\d+) / 3 products \(\d+\.\d s\)$", output, re.MULTILINE)
    assert progress == ["2", "3"]
    assert Feature.objects.count() == 37_500


def test_seed_more_features_than_names_adds_notes():
    run("seed_catalog", "--products", "1", "--features-per-product", "30")
    names = list(Product.objects.get().features.values_list("name", flat=True))
    assert len(names) == 30
    assert names[:2] == ["Colour", "Material"]
    named = [name for name in names if not name.startswith("Note ")]
    assert len(set(named)) == len(named)  # every allowed name once, then numbered notes
    assert names[len(named) :] == [f"Note {i}" for i in range(1, 31 - len(named))]


def test_seed_counts_one_product_and_one_feature_in_the_singular():
    output = run("seed_catalog", "--products", "1", "--features-per-product", "1")
    assert re.search(r"Seeded 1 product with 1 feature in \d+\.\d s\.", output)


@pytest.mark.parametrize(
    "args",
    [
        ["--products", "-1"],
        ["--batch-size", "0"],
        # One transaction that never ended: bench_prefetch had suggested 10**23.
        ["--products", "1000001"],
    ],
)
def test_seed_rejects_bad_numbers(args):
    with pytest.raises(CommandError):
        run("seed_catalog", *args)


def test_seed_if_empty_and_clear_contradict_each_other(make_products):
    """On a catalog with products --if-empty seeded nothing and --clear cleared nothing."""
    make_products(2)
    with pytest.raises(CommandError, match="--if-empty and --clear"):
        run("seed_catalog", "--if-empty", "--clear", "--products", "3")
    assert Product.objects.count() == 2


@pytest.fixture
def seeded():
    run("seed_catalog", "--products", "60", "--features-per-product", "3")


@pytest.mark.usefixtures("seeded")
def test_bench_json_is_one_object_per_line():
    output = run("bench_prefetch", "--sizes", "5,20", "--repeats", "2", "--json")
    rows = [json.loads(line) for line in output.splitlines()]
    assert [(r["strategy"], r["n"]) for r in rows] == [
        (s, n) for n in (5, 20) for s in ("naive", "prefetch", "bounded")
    ]
    for row in rows:
        assert set(row) == {"strategy", "n", "queries", "sql_bytes", "ms"}
        assert row["ms"] > 0
    by = {(r["strategy"], r["n"]): r for r in rows}
    assert by["naive", 20]["queries"] == 21
    assert by["prefetch", 20]["queries"] == by["bounded", 20]["queries"] == 2
    assert by["prefetch", 20]["sql_bytes"] > by["prefetch", 5]["sql_bytes"]
    # bounded: the same statement, only a few digits longer
    assert abs(by["bounded", 20]["sql_bytes"] - by["bounded", 5]["sql_bytes"]) <= 2
    assert by["bounded", 20]["sql_bytes"] < 1024


@pytest.mark.usefixtures("seeded")
def test_bench_table():
    output = run(
        "bench_prefetch", "--sizes", "10", "--repeats", "1", "--strategies", "prefetch,bounded"
    )
    lines = output.splitlines()
    assert lines[0].startswith("| strategy | products | queries | features SQL (bytes) |")
    assert re.fullmatch(r"\| prefetch \| 10 \| 2 \| [\d,]+ \| [\d.,]+ \| 1\.00x \|", lines[2])
    # One run of each, a couple of milliseconds: a pause of the machine can make the
    # ratio anything, so only its form is checked.
    assert re.fullmatch(r"\| bounded \| 10 \| 2 \| [\d,]+ \| [\d.,]+ \| \d+\.\d\dx \|", lines[3])


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sizes", "10,x"], "comma-separated numbers"),
        (["--sizes", "50,,500"], "comma-separated numbers"),
        (["--sizes", "50,"], "comma-separated numbers"),
        (["--sizes", ""], "comma-separated numbers"),
        (["--sizes", "0"], "1 or more"),
        (["--strategies", "clever"], "choose among"),
        (["--strategies", "prefetch,,bounded"], "comma-separated names"),
        (["--strategies", ","], "comma-separated names"),
        (["--repeats", "0"], "--repeats"),
        # A median of 100 says what more would: a number of runs that never ends is a mistake.
        (["--repeats", "101"], "--repeats must be at most 100"),
        (["--repeats", "9" * 30], "--repeats must be at most 100"),
        (["--sizes", "\u0661\u0662"], "numbers in ASCII digits"),
        (["--sizes", "1_0"], "numbers in ASCII digits"),
        (["--sizes", "5,+6"], "numbers in ASCII digits"),
        (["--sizes", "500001"], "at most 500,000 products"),
        (["--sizes", "9" * 30], "at most 500,000 products"),
        # Past the 4,300 digits int() reads: still the number's bound, not its digits.
        (["--sizes", "9" * 5000], "at most 500,000 products"),
        (["--sizes", "5," + "9" * 5000], "at most 500,000 products"),
        (["--sizes", "-" + "9" * 5000], "1 or more"),
        (["--repeats", "9" * 5000], "more digits than Python reads"),
        (["--sizes", "x" * 20_000], "(20000 characters)"),
        (["--sizes", "1," * 10_000], "(20000 characters)"),
    ],
)
def test_bench_rejects_bad_arguments(args, message):
    with pytest.raises(CommandError, match=message):
        run("bench_prefetch", *args)


def test_the_largest_size_asks_for_a_seed_one_run_can_make():
    from catalog.management.commands.bench_prefetch import MAX_SIZE, to_seed
    from catalog.management.commands.seed_catalog import MAX_PRODUCTS

    assert to_seed(MAX_SIZE) <= MAX_PRODUCTS


@pytest.mark.parametrize("missing", [1, 9, 10**6, 10**22 + 1, 10**40 + 7])
def test_the_seed_asked_for_publishes_enough_at_any_size(missing):
    """Worked out in floating point, a large size asked for a seed rounded off (for
    10**22 + 1 missing, 111111111111111109246981 products)."""
    from catalog.management.commands.bench_prefetch import to_seed

    more = to_seed(missing)
    published_at_least = (more - 5) * (Fraction(str(demo_data.PUBLISHED_SHARE)) - Fraction(5, 100))
    assert published_at_least >= missing
    assert (more - 6) * (Fraction(str(demo_data.PUBLISHED_SHARE)) - Fraction(5, 100)) < missing


@pytest.mark.django_db
def test_bench_on_an_empty_catalog_asks_for_one_product_in_the_singular():
    with pytest.raises(CommandError, match=r"^1 product asked for, 0 published"):
        run("bench_prefetch", "--sizes", "1", "--repeats", "1")


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("missing", [1, 40, 940])
def test_bench_asks_for_more_products_and_that_many_are_enough(missing):
    published = Product.objects.published().count()
    size = published + missing
    asked = f"{size:,} product{'s' if size != 1 else ''} asked for"
    with pytest.raises(CommandError, match=asked) as refused:
        run("bench_prefetch", "--sizes", str(size), "--repeats", "1")
    more = re.search(r"run `manage.py seed_catalog --products (\d+)` first", str(refused.value))
    run("seed_catalog", "--products", more.group(1), "--features-per-product", "1")
    # Not naive: its N+1 at about 1,000 products costs seconds and checks nothing here.
    output = run(
        "bench_prefetch", "--sizes", str(size), "--repeats", "1", "--strategies", "prefetch,bounded"
    )
    assert "| bounded |" in output


def test_seed_refuses_more_features_than_a_position_can_number():
    """Feature.position is a small integer: 32,768 features (0 to 32,767) fit, one more
    was a DataError traceback after the products were written."""
    run("seed_catalog", "--products", "1", "--features-per-product", "32768")
    assert Feature.objects.count() == 32768
    with pytest.raises(CommandError, match="--features-per-product can be at most 32,768"):
        run("seed_catalog", "--products", "1", "--features-per-product", "32769")
    assert Product.objects.count() == 1
    assert Feature.objects.count() == 32768


@pytest.mark.usefixtures("seeded")
def test_bench_runs_a_size_or_strategy_named_twice_once():
    output = run(
        "bench_prefetch", "--sizes", "5,5,3", "--strategies", "bounded,bounded", "--repeats", "1"
    )
    rows = [line.split(" | ")[:2] for line in output.splitlines() if line.startswith("| bounded")]
    assert rows == [["| bounded", "5"], ["| bounded", "3"]]


def test_a_category_staff_named_like_a_demo_one_takes_the_demo_products():
    """Its name is unique too: staff's "Kitchen" at another slug was an IntegrityError
    traceback, `heroku run python manage.py seed_catalog --if-empty` included."""
    demo = demo_data.CATEGORIES[0]
    staffs = Category.objects.create(name=demo.name, slug="staff-chose-this")
    run("seed_catalog", "--products", "30", "--features-per-product", "0")
    assert Category.objects.filter(name=demo.name).get() == staffs
    assert Product.objects.filter(category=staffs).exists()


def test_a_product_staff_gave_the_next_demo_slug_stops_the_seed_in_one_line(make_products):
    """Slugs are editable in the admin: one the seed was about to make was an
    IntegrityError traceback. Now one line, and nothing written."""
    [product] = make_products(1)
    spec = next(demo_data.products(1, 0, seed=1, first_number=product.pk + 1, now=timezone.now()))
    Product.objects.filter(pk=product.pk).update(slug=spec.slug)
    before = catalog()
    with pytest.raises(CommandError, match=f"{spec.slug}.*already") as refused:
        run("seed_catalog", "--products", "3", "--features-per-product", "0")
    assert "\n" not in str(refused.value)
    assert catalog() == before
