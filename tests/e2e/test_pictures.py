"""The seeded catalog in a browser: every card shows its product's own picture.

Each seeded product's picture is its noun's drawing in its colour
(catalog/product_images.py); a visitor sees a knife on a knife's card, not the
kettle its category once shared.
"""

from catalog import product_images
from catalog.demo_data import CATEGORIES

NOUNS = sorted((noun for spec in CATEGORIES for noun in spec.nouns), key=lambda n: -len(n.name))


def picture_of(product_name: str) -> str:
    """The picture name of the noun a seeded product's name ends with."""
    return next(noun.picture for noun in NOUNS if product_name.endswith(f" {noun.name}"))


def test_every_card_shows_its_nouns_picture(page):
    # Tall enough that no card waits for a scroll (the cards' images load lazily).
    page.set_viewport_size({"width": 1280, "height": 8000})
    page.goto("/products/")
    cards = page.locator(".product-card img")
    assert cards.count() >= 10
    pictures = set()
    for i in range(cards.count()):
        image = cards.nth(i)
        width = image.evaluate("img => img.decode().then(() => img.naturalWidth, () => 0)")
        assert width == product_images.SIZE[0], image.get_attribute("alt")
        picture = picture_of(image.get_attribute("alt"))
        assert f"/{product_images.FOLDER}/{picture}-" in image.get_attribute("src")
        pictures.add(picture)
    assert len(pictures) > 5  # many nouns on one page, each with its own drawing
