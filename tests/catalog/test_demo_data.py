"""Demo data that makes sense: names fit a card, and every feature, material and
price is one the product's category and noun declare (catalog/demo_categories.py)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.db.models.functions import Length

from catalog import demo_data
from catalog.demo_categories import COMMON_FEATURES, CategorySpec, Noun
from catalog.models import Product

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def noun_of(category: CategorySpec, name: str) -> Noun:
    """The noun a product name ends with (every name pattern ends with it)."""
    nouns = [noun for noun in category.nouns if name.endswith(noun.name)]
    assert nouns, f"{name!r} names no noun of {category.name}"
    return max(nouns, key=lambda noun: len(noun.name))


def grams(weight: str) -> float:
    number, unit = weight.split()
    return float(number) * (1000 if unit == "kg" else 1)


def assert_coherent(category, name, price, features) -> None:
    noun = noun_of(category, name)
    declared = {**COMMON_FEATURES, **category.features, **noun.features}
    values = dict(features)
    notes = [fname for fname, _ in features if fname.startswith("Note ")]
    assert set(values) - set(notes) <= demo_data.allowed_features(category, noun), name
    for fname, value in values.items():
        if fname == "Colour":
            assert value in category.colours
        elif fname == "Material":
            assert value in noun.materials
        elif fname == "Weight":
            low, high = noun.grams
            assert low - 50 <= grams(value) <= high + 50, (name, value)
        elif fname in declared:
            assert value in declared[fname], (name, fname, value)
    # A material the name mentions is the product's material.
    named = [m for m in noun.materials if f"{m} {noun.name}" in name]
    if named and "Material" in values:
        assert values["Material"] in named
    low, high = noun.price
    assert Decimal(low) <= price <= Decimal(high) + 1, (name, price)


def test_fifty_thousand_products_have_short_coherent_names_prices_and_features():
    specs = list(demo_data.products(50_000, 8, seed=3, first_number=1, now=NOW))
    longest = max(len(spec.name) for spec in specs)
    assert longest <= demo_data.NAME_MAX_LENGTH
    for spec in specs:
        assert_coherent(spec.category, spec.name, spec.price, spec.features)
    # Short, but not monotonous: many distinct names, every category and colour used.
    assert len({spec.name for spec in specs}) > 5_000
    assert {spec.category.name for spec in specs} == {c.name for c in demo_data.CATEGORIES}


@pytest.mark.django_db
def test_a_seeded_catalog_is_coherent_in_the_database():
    call_command("seed_catalog", products=1500, features_per_product=6, verbosity=0)
    assert Product.objects.aggregate(longest=Max(Length("name")))["longest"] <= 28
    categories = {category.slug: category for category in demo_data.CATEGORIES}
    products = Product.objects.select_related("category").prefetch_related("features")
    for product in products:
        features = [(f.name, f.value) for f in product.features.all()]
        assert len(features) == 6
        assert_coherent(categories[product.category.slug], product.name, product.price, features)


@pytest.mark.parametrize(
    ("category", "feature", "value"),
    [
        ("Fitness", "Care", "Dishwasher safe"),
        ("Lighting", "Care", "Machine washable"),
        ("Home Textiles", "Certification", "None"),
        ("Garden", "Use", "Indoors"),  # a garden hose
        ("Outdoor", "Best for", "Alpine trips"),  # a +5 °C sleeping bag
    ],
)
def test_the_reported_nonsense_cannot_happen(category, feature, value):
    spec = next(c for c in demo_data.CATEGORIES if c.name == category)
    for noun in spec.nouns:
        allowed = {**COMMON_FEATURES, **spec.features, **noun.features}
        assert value not in allowed.get(feature, [])


def test_a_demo_catalogs_products_have_names_of_their_own():
    """The default 200 had five names twice, at two prices, with one picture: a name
    is used again only once a run has used every name its product may have."""
    specs = list(demo_data.products(200, 5, seed=3, first_number=1, now=NOW))
    assert len({spec.name for spec in specs}) == len(specs)
    # Past them, names repeat: test_fifty_thousand_products... counts 5,000 or more.


@pytest.mark.django_db
def test_a_second_seed_run_names_its_products_apart_from_the_first():
    """seed_catalog without --clear adds products: the same seed gave the same names."""
    call_command("seed_catalog", products=200, features_per_product=3, verbosity=0)
    call_command("seed_catalog", products=200, features_per_product=3, verbosity=0)
    names = list(Product.objects.values_list("name", flat=True))
    assert len(names) == len(set(names)) == 400


def test_every_feature_value_fits_every_material_its_products_come_in():
    """'Certification: Fairtrade cotton' went to alpaca throws: a category's feature
    names no material."""
    materials = {m for c in demo_data.CATEGORIES for n in c.nouns for m in n.materials}
    for category in demo_data.CATEGORIES:
        for values in category.features.values():
            for value in values or []:
                assert not any(m.lower() in value.lower() for m in materials), value


def test_no_sentence_said_of_any_product_fits_only_some():
    """'Designed to be repaired rather than replaced' was said of seed kits and towels."""
    assert not [s for s in demo_data.SENTENCES if "repair" in s]
