"""factory-boy factories, one section per app."""

from decimal import Decimal

import factory

from catalog.models import Category, Feature, Product

# --- catalog ------------------------------------------------------------------


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    description = "Things worth having."


class ProductFactory(factory.django.DjangoModelFactory):
    """A published product with `features` (default 3) features at positions 0, 1, 2..."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Product {n:05d}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    description = "A fine product."
    price = factory.Sequence(lambda n: Decimal(10 + n % 90) + Decimal("0.99"))
    category = factory.SubFactory(CategoryFactory)

    @factory.post_generation
    def features(product, create, extracted, **kwargs):
        count = 3 if extracted is None else extracted
        if create and count:
            Feature.objects.bulk_create(
                Feature(
                    product=product, name=f"Feature {i}", value=f"{product.name} {i}", position=i
                )
                for i in range(count)
            )


class FeatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feature

    product = factory.SubFactory(ProductFactory, features=0)
    name = factory.Sequence(lambda n: f"Feature {n}")
    value = "yes"
    position = factory.Sequence(lambda n: n)
