"""A generator of demo products that make sense (catalog/demo_categories.py has the words).

Plain Python and a seeded `random.Random`: the same seed gives the same catalog,
and it runs on Heroku, where dev packages (Faker) are not installed. Names are
at most NAME_MAX_LENGTH characters, so a product card holds one on two lines;
a material named in a product's name is its Material feature, and its picture
is its noun's drawing (catalog/product_images.py) in its Colour.
"""

import functools
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils.text import slugify

from catalog.demo_categories import CATEGORIES, COLOURS, COMMON_FEATURES, CategorySpec, Noun

__all__ = [
    "CATEGORIES",
    "COLOURS",
    "MAX_PRODUCTS",
    "NAME_MAX_LENGTH",
    "ProductSpec",
    "allowed_features",
]

NAME_MAX_LENGTH = 28
# What one run of seed_catalog adds, in one transaction: a million products (five
# million features at the default) take minutes; a number past it was a run that
# never ended. Here, not in the command, for what reads it before Django is set up
# (the load benchmark's arguments).
MAX_PRODUCTS = 1_000_000
# Each seeded product is published with this chance: a catalog has some drafts.
PUBLISHED_SHARE = 0.95

BRANDS = [
    "Northwind", "Alder & Co", "Brightline", "Copperleaf", "Driftwood", "Ember",
    "Fjordlight", "Granite Bay", "Harbor", "Ironbark", "Juniper", "Kestrel", "Lumen",
    "Maple Row", "Nimbus", "Oakhurst", "Pinecrest", "Quarry", "Redfern", "Saltmarsh",
    "Tidewater", "Umber", "Vantage", "Willow", "Yarrow", "Zephyr",
]  # fmt: skip

# Fit any product of any category.
SENTENCES = [
    "A quiet favourite that does one job well.",
    "Made in small batches by a family workshop.",
    "Our most requested {noun} this season.",
    "Pairs well with the rest of the {category} range.",
    "Backed by a no-quibble return within 60 days.",
]

# Always a product's first two features, when it has that many.
FIXED_FEATURES = ("Colour", "Material")
# What a product gets beyond the names its category allows: numbered notes.
NOTE = "Note"


@dataclass
class ProductSpec:
    name: str
    slug: str
    description: str
    price: Decimal
    category: CategorySpec
    colour: str  # a key of COLOURS: the product's Colour, and its picture's
    picture: str  # its noun's drawing: a key of product_images.DRAWINGS
    is_published: bool
    created_at: datetime
    features: list[tuple[str, str]]


def allowed_features(category: CategorySpec, noun: Noun) -> set[str]:
    """Every feature name a product of this noun may get (notes aside)."""
    return {*FIXED_FEATURES, "Weight", *noun.features, *category.features, *COMMON_FEATURES}


@functools.cache
def names(category: CategorySpec, noun: Noun, material: str) -> tuple[str, ...]:
    """Every name for this noun in this material that fits on a card, shortest patterns too."""
    adjectives = category.adjectives
    candidates = [
        *(f"{brand} {noun.name}" for brand in BRANDS),
        *(f"{adjective} {noun.name}" for adjective in adjectives),
        f"{material} {noun.name}",
        *(f"{brand} {material} {noun.name}" for brand in BRANDS),
        *(f"{adjective} {material} {noun.name}" for adjective in adjectives),
    ]
    return tuple(name for name in candidates if len(name) <= NAME_MAX_LENGTH)


def unused(name: str, candidates: tuple[str, ...], used: set[str]) -> str:
    """`name`, or the next of `candidates` after it this run has not used yet (the
    same draws of the generator either way, so the rest of the catalog stays as it
    was); `name` again once the run has used them all. Marks the one returned used."""
    start = candidates.index(name)
    for candidate in (*candidates[start:], *candidates[:start]):
        if candidate not in used:
            name = candidate
            break
    used.add(name)
    return name


# A few thousand distinct names: slugify each once, not once per product.
slug = functools.cache(slugify)


@functools.cache
def pool(category: CategorySpec, noun: Noun) -> tuple[tuple[str, list[str] | None], ...]:
    """The features a product may get after Colour and Material; Weight's value is its own."""
    return (
        *noun.features.items(),
        *category.features.items(),
        ("Weight", None),
        *COMMON_FEATURES.items(),
    )


def weight(noun: Noun, rng: random.Random) -> str:
    grams = rng.randrange(*noun.grams)
    return f"{round(grams, -1)} g" if grams < 1000 else f"{round(grams, -2) / 1000:.1f} kg"


def products(
    count: int,
    features_per_product: int,
    *,
    seed: int,
    first_number: int,
    now: datetime,
    taken: Iterable[str] = (),
) -> Iterator[ProductSpec]:
    """`count` products; `first_number` keeps slugs unique across runs, and `taken`
    (the catalog's names) names too, while a product has a name left."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    used = set(taken)
    for number in range(first_number, first_number + count):
        category = rng.choice(CATEGORIES)
        noun = rng.choice(category.nouns)
        material = rng.choice(noun.materials)
        colour = rng.choice(category.colours)
        choices = names(category, noun, material)
        name = unused(rng.choice(choices), choices, used)
        low, high = noun.price
        # Mostly cheap, a few dear, ending in .99, .49 or .00 like a real price list.
        price = int(low + (high - low) * rng.random() ** 2) + rng.choice((0.99, 0.0, 0.49))
        features = [("Colour", colour), ("Material", material)][:features_per_product]
        offered = pool(category, noun)
        features += [
            (fname, rng.choice(values) if values else weight(noun, rng))
            for fname, values in rng.sample(
                offered, min(features_per_product - len(features), len(offered))
            )
        ]
        if len(features) < features_per_product:
            # More features than names allowed: numbered notes, still realistic text.
            sentences = [*category.sentences, *SENTENCES]
            features += [
                (
                    f"{NOTE} {i + 1}",
                    rng.choice(sentences).format(noun=noun.name.lower(), category=category.name),
                )
                for i in range(features_per_product - len(features))
            ]
        description = " ".join(
            (
                rng.choice(category.sentences),
                rng.choice(SENTENCES).format(noun=noun.name.lower(), category=category.name),
            )
        )
        yield ProductSpec(
            name=name,
            slug=f"{slug(name)}-{number}",
            description=description,
            price=Decimal(f"{price:.2f}"),
            category=category,
            colour=colour,
            picture=noun.picture,
            is_published=rng.random() < PUBLISHED_SHARE,
            created_at=now - timedelta(minutes=rng.randrange(60 * 24 * 365)),
            features=features,
        )
