"""Admin for categories and products (features inline, image versions linked);
the changelist joins categories instead of one query per row."""

from django.contrib import admin

from catalog.models import Category, Feature, Product
from config.media.admin import MediaVersionsAdminMixin


class FeatureInline(admin.TabularInline):
    model = Feature
    extra = 1
    fields = ["position", "name", "value"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Product)
class ProductAdmin(MediaVersionsAdminMixin, admin.ModelAdmin):
    """Products; the image's versions on the versioned media bucket, one click away."""

    list_display = ["name", "category", "price", "is_published", "created_at"]
    list_filter = ["is_published", "category"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    # The changelist shows each product's category: joined, not one query per row.
    list_select_related = ["category"]
    readonly_fields = ["image_width", "image_height", "created_at", "updated_at"]
    inlines = [FeatureInline]
