"""The product domain: categories, products and their features.

Query shape lives in `ProductQuerySet` (catalog/querysets.py); how features are
loaded, in catalog/features.py.
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from catalog.querysets import ProductQuerySet
from config.fields import DecimalField
from config.media.uploads import ImageUploadField
from config.names import validate_name


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True, validators=[validate_name])
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:category", kwargs={"slug": self.slug})


class Product(models.Model):
    name = models.CharField(max_length=200, validators=[validate_name])
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    # A zero is read as 0 whatever its exponent (config/fields.py).
    # The validator puts a price below 0 on the field in forms; the constraint holds
    # for every writer.
    price = DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    # PROTECT: deleting a category must not silently delete its products.
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    # On the default storage, whatever STORAGES says it is (the versioned media
    # bucket in production); uploads are checked by content (config/media/uploads.py).
    # Width and height are stored so pages can size <img> without opening the file.
    image = ImageUploadField(
        upload_to="products/",
        blank=True,
        width_field="image_width",
        height_field="image_height",
    )
    image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    is_published = models.BooleanField(default=True)
    # A default rather than auto_now_add, so seeded data can spread its dates
    # (auto_now_add overwrites any value given, bulk_create included).
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        # Changing the picture alone (catalog/admin.py): what the demo's shared staff
        # login needs, without renaming, repricing or unpublishing the catalog.
        permissions = [("change_product_image", "Can change a product's picture only")]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="catalog_product_price_gte_0",
                violation_error_message="A price may not be below 0.",
            ),
        ]
        # Every public listing reads published products in one of the sort
        # orders of ProductQuerySet.sorted_by; partial indexes let PostgreSQL
        # read a page in order instead of sorting the whole table.
        indexes = [
            models.Index(
                fields=[field, "id"],
                condition=Q(is_published=True),
                name=f"catalog_product_pub_{field}",
            )
            for field in ("name", "price", "created_at")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:product", kwargs={"slug": self.slug})


class Feature(models.Model):
    # No index of its own: the (product, position, id) index below serves both the
    # join and the ordering.
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="features", db_index=False
    )
    name = models.CharField(max_length=100, validators=[validate_name])
    value = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["product", "position", "id"], name="catalog_feature_product_pos")
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"
