"""Word lists and a generator for realistic demo products.

Plain Python and a seeded `random.Random`: the same seed gives the same catalog,
and it runs on Heroku, where dev packages (Faker) are not installed.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils.text import slugify

BRANDS = [
    "Northwind", "Alder & Co", "Brightline", "Copperleaf", "Driftwood", "Ember",
    "Fjordlight", "Granite Bay", "Harbor", "Ironbark", "Juniper", "Kestrel", "Lumen",
    "Maple Row", "Nimbus", "Oakhurst", "Pinecrest", "Quarry", "Redfern", "Saltmarsh",
    "Tidewater", "Umber", "Vantage", "Willow", "Yarrow", "Zephyr",
]  # fmt: skip

ADJECTIVES = [
    "Compact", "Classic", "Everyday", "Pro", "Lightweight", "Heavy-Duty", "Folding",
    "Modular", "Slim", "Rugged", "Quiet", "Deluxe", "Essential", "Portable", "Smart",
    "Vintage", "Minimal", "Studio", "Trail", "Urban",
]  # fmt: skip

# Feature names and values every product may get, after its category's own.
COMMON_FEATURES = {
    "Colour": ["Black", "White", "Slate grey", "Forest green", "Navy", "Sand", "Terracotta"],
    "Warranty": ["1 year", "2 years", "3 years", "5 years", "Lifetime"],
    "Weight": ["180 g", "350 g", "620 g", "1.1 kg", "2.4 kg", "4.8 kg"],
    "Country of origin": ["Portugal", "Germany", "Japan", "Canada", "Vietnam", "Mexico"],
    "Packaging": ["Recycled cardboard", "Plastic-free", "Gift box", "Minimal"],
    "Care": ["Wipe clean", "Machine washable", "Hand wash only", "Dishwasher safe"],
}


@dataclass(frozen=True)
class CategorySpec:
    name: str
    description: str
    nouns: list[str]
    materials: list[str]
    price_range: tuple[int, int]
    features: dict[str, list[str]] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return slugify(self.name)


CATEGORIES = [
    CategorySpec(
        "Kitchen",
        "Cookware, knives and the small appliances a kitchen runs on.",
        ["Kettle", "Chef's Knife", "Skillet", "Dutch Oven", "Cutting Board", "Coffee Grinder"],
        ["Steel", "Cast Iron", "Walnut", "Ceramic", "Copper"],
        (12, 320),
        {"Capacity": ["0.5 l", "1 l", "1.7 l", "3 l", "5.5 l"], "Induction": ["Yes", "No"]},
    ),
    CategorySpec(
        "Audio",
        "Headphones, speakers and everything between the music and your ears.",
        ["Headphones", "Earbuds", "Bookshelf Speaker", "Turntable", "Soundbar", "DAC"],
        ["Aluminium", "Walnut", "Fabric", "Carbon"],
        (25, 900),
        {"Battery life": ["8 h", "20 h", "30 h", "45 h"], "Bluetooth": ["5.0", "5.3", "None"]},
    ),
    CategorySpec(
        "Outdoor",
        "Tents, packs and layers for a weekend away from the road.",
        ["Tent", "Backpack", "Sleeping Bag", "Rain Jacket", "Headlamp", "Camp Stove"],
        ["Nylon", "Ripstop", "Merino", "Titanium", "Down"],
        (15, 650),
        {"Waterproof rating": ["IPX4", "IPX6", "10,000 mm", "20,000 mm"], "Season": ["3", "4"]},
    ),
    CategorySpec(
        "Office",
        "Desks, chairs and the small things that make a workday smoother.",
        ["Desk Lamp", "Notebook", "Monitor Stand", "Desk Chair", "Pen Set", "Desk Organizer"],
        ["Oak", "Steel", "Leather", "Bamboo", "Recycled Plastic"],
        (6, 700),
        {"Adjustable": ["Height", "Tilt", "Both", "No"], "Assembly": ["None", "Tools included"]},
    ),
    CategorySpec(
        "Lighting",
        "Lamps and bulbs, from reading light to the whole room.",
        ["Floor Lamp", "Pendant Light", "LED Bulb", "String Lights", "Wall Sconce"],
        ["Brass", "Linen", "Glass", "Rattan", "Concrete"],
        (8, 480),
        {"Colour temperature": ["2700 K", "3000 K", "4000 K", "Tunable"], "Dimmable": ["Yes"]},
    ),
    CategorySpec(
        "Home Textiles",
        "Bedding, towels and throws in natural fibres.",
        ["Duvet Cover", "Bath Towel", "Throw Blanket", "Cushion", "Table Runner", "Rug"],
        ["Linen", "Cotton", "Wool", "Cashmere", "Jute"],
        (14, 390),
        {"Thread count": ["200", "300", "400", "600"], "Size": ["Single", "Double", "King"]},
    ),
    CategorySpec(
        "Tools",
        "Hand and power tools for repairs and weekend projects.",
        ["Cordless Drill", "Screwdriver Set", "Hammer", "Tape Measure", "Utility Knife"],
        ["Steel", "Fibreglass", "Hickory", "Chrome Vanadium"],
        (7, 420),
        {"Voltage": ["12 V", "18 V", "20 V", "Manual"], "Pieces": ["1", "6", "12", "32"]},
    ),
    CategorySpec(
        "Fitness",
        "Weights, mats and gear for training at home.",
        ["Yoga Mat", "Kettlebell", "Jump Rope", "Resistance Band", "Foam Roller", "Dumbbell"],
        ["Cork", "Rubber", "Cast Iron", "Neoprene"],
        (9, 360),
        {"Resistance": ["Light", "Medium", "Heavy", "Adjustable"], "Thickness": ["4 mm", "6 mm"]},
    ),
    CategorySpec(
        "Travel",
        "Luggage and organizers that make packing easy.",
        ["Carry-On", "Duffel Bag", "Packing Cubes", "Travel Pillow", "Passport Wallet"],
        ["Polycarbonate", "Canvas", "Leather", "Nylon"],
        (11, 540),
        {"Volume": ["20 l", "35 l", "45 l", "70 l"], "Wheels": ["None", "2", "4 spinner"]},
    ),
    CategorySpec(
        "Garden",
        "Planters, tools and seeds for balconies and back gardens.",
        ["Planter", "Pruning Shears", "Watering Can", "Seed Kit", "Garden Hose", "Trowel"],
        ["Terracotta", "Galvanised Steel", "Cedar", "Stoneware"],
        (5, 260),
        {"Diameter": ["12 cm", "20 cm", "30 cm", "45 cm"], "Frost proof": ["Yes", "No"]},
    ),
]  # fmt: skip

SENTENCES = [
    "Built to last and easy to look after.",
    "Designed with a small studio and tested for a year of daily use.",
    "A quiet favourite that does one job well.",
    "Made in small batches from materials chosen for how they age.",
    "Light enough to carry, strong enough to rely on.",
    "Ships in plastic-free packaging.",
    "Our most requested {noun} this season.",
    "Pairs well with the rest of the {category} range.",
]


@dataclass
class ProductSpec:
    name: str
    slug: str
    description: str
    price: Decimal
    category: CategorySpec
    is_published: bool
    created_at: datetime
    features: list[tuple[str, str]]


def feature_pool(category: CategorySpec) -> list[tuple[str, list[str]]]:
    return [*category.features.items(), *COMMON_FEATURES.items()]


def products(
    count: int, features_per_product: int, *, seed: int, first_number: int, now: datetime
) -> Iterator[ProductSpec]:
    """`count` products; `first_number` keeps slugs unique across runs."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    for number in range(first_number, first_number + count):
        category = rng.choice(CATEGORIES)
        noun = rng.choice(category.nouns)
        name = (
            f"{rng.choice(BRANDS)} {rng.choice(ADJECTIVES)} {rng.choice(category.materials)} {noun}"
        )
        low, high = category.price_range
        # Mostly cheap, a few dear, ending in .99 or .00 like a real price list.
        price = int(low + (high - low) * rng.random() ** 2) + rng.choice((0.99, 0.0, 0.49))
        pool = feature_pool(category)
        chosen = rng.sample(pool, min(features_per_product, len(pool)))
        features = [(fname, rng.choice(values)) for fname, values in chosen]
        # More features than names in the pool: numbered notes, still realistic text.
        features += [
            (
                f"Note {i + 1}",
                rng.choice(SENTENCES).format(noun=noun.lower(), category=category.name),
            )
            for i in range(features_per_product - len(features))
        ]
        description = " ".join(
            s.format(noun=noun.lower(), category=category.name) for s in rng.sample(SENTENCES, 2)
        )
        yield ProductSpec(
            name=name,
            slug=f"{slugify(name)}-{number}",
            description=description,
            price=Decimal(f"{price:.2f}"),
            category=category,
            is_published=rng.random() < 0.95,
            created_at=now - timedelta(minutes=rng.randrange(60 * 24 * 365)),
            features=features,
        )
