from decimal import Decimal

import pytest
from django.db import IntegrityError

from catalog.models import Category, Feature, Product
from tests.factories import FeatureFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_names_and_urls(category):
    product = ProductFactory(name="Kettle", slug="kettle", category=category)
    feature = FeatureFactory(product=product, name="Capacity", value="1.7 l")
    assert str(category) == "Kitchen"
    assert category.get_absolute_url() == "/categories/kitchen/"
    assert str(product) == "Kettle"
    assert product.get_absolute_url() == "/products/kettle/"
    assert str(feature) == "Capacity: 1.7 l"


def test_price_cannot_be_negative(category):
    with pytest.raises(IntegrityError):
        ProductFactory(price=Decimal("-0.01"), category=category)


def test_a_category_with_products_cannot_be_deleted(category):
    ProductFactory(category=category)
    with pytest.raises(IntegrityError):
        Category.objects.filter(pk=category.pk).delete()


def test_deleting_a_product_deletes_its_features(category):
    product = ProductFactory(category=category)
    product.delete()
    assert not Feature.objects.exists()
    assert not Product.objects.exists()
