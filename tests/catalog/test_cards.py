"""Product cards built in Python (catalog/cards.py): escaped, linked, sized."""

import pytest
from django.urls import reverse, set_script_prefix

from catalog import cards
from catalog.models import Product
from tests.factories import CategoryFactory, FeatureFactory, ProductFactory

pytestmark = pytest.mark.django_db


def loaded(*products):
    pks = [product.pk for product in products]
    return list(Product.objects.filter(pk__in=pks).for_list().with_features().order_by("pk"))


def test_every_value_is_escaped():
    category = CategoryFactory(name="Pots & <Pans>", slug="pots")
    product = ProductFactory(name='Lid "<b>"', category=category, features=0)
    FeatureFactory(product=product, name="<i>size</i>", value="1 & 2")
    html = cards.render(loaded(product))
    assert "<b>" not in html
    assert "<i>" not in html
    assert '<h2><a href="/products/' in html
    assert ">Lid &quot;&lt;b&gt;&quot;</a></h2>" in html
    assert '<a href="/categories/pots/">Pots &amp; &lt;Pans&gt;</a>' in html
    assert "<dt>&lt;i&gt;size&lt;/i&gt;</dt><dd>1 &amp; 2</dd>" in html


def test_links_are_the_models_own_urls_under_any_script_prefix():
    product = ProductFactory(category=CategoryFactory(slug="audio"))
    (shown,) = loaded(product)
    for prefix in ("/", "/shop/"):
        set_script_prefix(prefix)
        try:
            html = cards.render([shown])
            assert f'href="{product.get_absolute_url()}"' in html
            assert f'href="{product.category.get_absolute_url()}"' in html
        finally:
            set_script_prefix("/")
    assert product.get_absolute_url() == f"/products/{product.slug}/"


def test_a_grid_reverses_its_urls_once_per_script_prefix(monkeypatch):
    """Each grid's two link prefixes are kept as `{% link %}` keeps the header's
    (config/templatetags/links.py): a page of cards reverses nothing once a grid
    was built under its URLconf and script prefix."""
    (shown,) = loaded(ProductFactory())
    path = shown.get_absolute_url()
    cards.render([shown])  # kept from here on, if not already
    reversed_names = []

    def counting_reverse(viewname, *args, **kwargs):
        reversed_names.append(viewname)
        return reverse(viewname, *args, **kwargs)

    monkeypatch.setattr(cards, "reverse", counting_reverse)
    first = cards.render([shown])
    assert cards.render([shown]) == first
    assert reversed_names == []
    set_script_prefix("/a-prefix-of-its-own/")  # no other test renders under it
    try:
        assert f'href="/a-prefix-of-its-own{path}"' in cards.render([shown])
        assert reversed_names == ["catalog:product", "catalog:category"]
        cards.render([shown])
    finally:
        set_script_prefix("/")
    assert reversed_names == ["catalog:product", "catalog:category"]


def test_heading_level_and_no_features():
    product = ProductFactory(features=0)
    html = cards.render(loaded(product), level=3)
    assert "<h3><a " in html
    assert "</a></h3>" in html
    assert "<dl" not in html
    with pytest.raises(ValueError, match="heading level"):
        cards.render([], level=7)


def test_image_is_lazy_and_sized():
    product = ProductFactory()
    Product.objects.filter(pk=product.pk).update(
        image="products/lamp.png", image_width=640, image_height=480
    )
    html = cards.render(loaded(product))
    assert 'width="640" height="480"' in html
    assert 'loading="lazy"' in html
    assert "&amp;X-Amz-Signature=" in html  # the presigned URL, escaped for HTML


def test_price_is_printed_as_the_template_language_prints_it():
    product = ProductFactory(price="1234.50")
    assert '<p class="price">$1234.50</p>' in cards.render(loaded(product))
