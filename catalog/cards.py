"""Product cards, the grid of the list pages, the home page and "More in <category>".

    {% load catalog_cards %}{% product_cards products %}            (h2 headings)
    {% product_cards latest_products level=3 %}                     (under a page's h2)

The cards are built here with string formatting, not by a template: a page of
24 cards was ~600 template variable lookups, an include and two `reverse()`
calls a card, most of what a product list cost to render (docs/production.md,
"Where the time goes"). Every value goes through `escape()`, as the template
language's autoescaping would; prices and numbers are localized as a template
would print them. Each link is joined from its URL up to the slug
(`url_before_slug`, reversed once per URLconf, script prefix and language like the
header's `{% link %}`), the same URL `get_absolute_url()` gives. Escaping is the
standard library's `html.escape()`, which Django's `escape()` calls under a
lazy-string wrapper this module has no need for (a page's cards were ~400 of
them); the price format is looked up once per grid, not per card.

The trade-off: changing a card's markup means editing this module, not a
template, and escaping is this module's job (tests/catalog/test_cards.py
checks it).
"""

from collections.abc import Callable, Iterable
from functools import partial
from html import escape

from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from config.templatetags.links import kept_url

# A valid slug no real object is likely to have, split off again below.
MARKER = "url-before-slug-marker"


def url_before_slug(view_name: str) -> str:
    """The URL of a pattern ending in `<slug:slug>/`, up to the slug; reversed once per
    URLconf, script prefix and language, as `{% link %}` reverses the header's."""
    return kept_url(("before slug", view_name), _url_before_slug, view_name)


def _url_before_slug(view_name: str) -> str:
    url = reverse(view_name, kwargs={"slug": MARKER})
    prefix, found, rest = url.rpartition(MARKER)
    if not found or rest != "/":
        raise ImproperlyConfigured(f"{view_name!r} does not end in <slug:slug>/: {url}")
    return prefix


def render(products: Iterable, level: int = 2) -> SafeString:
    """The cards of `products` (loaded `with_features()`), with `<h{level}>` headings."""
    level = int(level)
    if not 1 <= level <= 6:
        raise ValueError(f"A heading level is 1 to 6, not {level}.")
    product_url = url_before_slug("catalog:product")
    category_url = url_before_slug("catalog:category")
    price = price_format()
    return mark_safe(  # noqa: S308  (every value below is escaped)
        "".join(card(product, level, product_url, category_url, price) for product in products)
    )


def price_format() -> Callable:
    """A number printed as `{{ value }}` prints it (Django's `number_format` for the
    active language), with the language's formats looked up once."""
    language = get_language()
    return partial(
        numberformat.format,
        decimal_sep=get_format("DECIMAL_SEPARATOR", language),
        grouping=get_format("NUMBER_GROUPING", language),
        thousand_sep=get_format("THOUSAND_SEPARATOR", language),
        use_l10n=True,
    )


def card(product, level: int, product_url: str, category_url: str, price: Callable) -> str:
    name = escape(product.name)
    image = ""
    if product.image:
        # Lazy, and sized up front so the grid does not shift when it arrives.
        image = (
            f'<img src="{escape(product.image.url)}" width="{product.image_width}" '
            f'height="{product.image_height}" alt="{name}" loading="lazy">\n  '
        )
    features = ""
    if product.feature_list:
        rows = "".join(
            f"<div><dt>{escape(feature.name)}</dt><dd>{escape(feature.value)}</dd></div>"
            for feature in product.feature_list
        )
        features = f'\n  <dl class="features">{rows}</dl>'
    category = product.category
    return (
        '\n<article class="product-card">\n  '
        f"{image}"
        f'<h{level}><a href="{product_url}{escape(product.slug)}/">{name}</a></h{level}>\n  '
        f'<p class="price">${escape(price(product.price))}</p>\n  '
        f'<p class="category"><a href="{category_url}{escape(category.slug)}/">'
        f"{escape(category.name)}</a></p>"
        f"{features}\n</article>"
    )
