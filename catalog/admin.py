"""Admin for categories and products (features inline, image versions linked);
the changelist joins categories instead of one query per row."""

from django.contrib import admin

from catalog.models import Category, Feature, Product
from config.adminsaves import ConflictsShownOnTheFormMixin
from config.forms import SentWholeAdminMixin
from config.media.admin import MediaVersionsAdminMixin
from config.security.staffonly import DeletedObjectsNamedIfSeenMixin


class FeatureInline(admin.TabularInline):
    model = Feature
    extra = 1
    fields = ["position", "name", "value"]


@admin.register(Category)
class CategoryAdmin(
    ConflictsShownOnTheFormMixin,
    DeletedObjectsNamedIfSeenMixin,
    SentWholeAdminMixin,
    admin.ModelAdmin,
):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Product)
class ProductAdmin(
    ConflictsShownOnTheFormMixin,
    DeletedObjectsNamedIfSeenMixin,
    MediaVersionsAdminMixin,
    SentWholeAdminMixin,
    admin.ModelAdmin,
):
    """Products; the image's versions on the versioned media bucket, one click away."""

    list_display = ["name", "category", "price", "is_published", "created_at"]
    list_filter = ["is_published", "category"]
    # "Show counts" makes a column per category in one SELECT: past PostgreSQL's 1,664
    # a database error, for good (tests/catalog/test_admin_media.py).
    show_facets = admin.ShowFacets.NEVER
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    # The changelist shows each product's category: joined, not one query per row.
    list_select_related = ["category"]
    readonly_fields = ["image_width", "image_height", "created_at", "updated_at"]
    inlines = [FeatureInline]

    def get_view_on_site_url(self, obj=None):
        """Only a published product has a page, for staff too: an unpublished one's
        "View on site" led to the 404 page."""
        if obj is not None and not obj.is_published:
            return None
        return super().get_view_on_site_url(obj)

    # Staff holding `catalog.change_product_image` and not `change_product` change a
    # product's picture and nothing else of it (the demo's shared staff login: every
    # visitor could rename, reprice or unpublish the public catalog).
    PICTURE = "image"

    def picture_only(self, request) -> bool:
        return not super().has_change_permission(request) and request.user.has_perm(
            "catalog.change_product_image"
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) or self.picture_only(request)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        # The add page (no obj) is for those who may add: a whole product, or none.
        if obj is None or not self.picture_only(request):
            return fields
        editable = [
            field.name
            for field in self.model._meta.concrete_fields
            if field.editable and not field.primary_key and field.name != self.PICTURE
        ]
        return [*fields, *(name for name in editable if name not in fields)]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and obj.image and self.picture_only(request):
            # Replaced, never cleared: clearing stores nothing for the upload limit to
            # count, and on the demo's shared login one visitor could take every
            # picture off the catalog, none of which the login could restore. A
            # required file field offers no Clear box and ignores a posted one.
            picture = form.base_fields[self.PICTURE]
            picture.required = picture.widget.is_required = True
        return form

    def get_prepopulated_fields(self, request, obj=None):
        # The slug is read-only then: nothing on the page fills it in.
        if obj is not None and self.picture_only(request):
            return {}
        return super().get_prepopulated_fields(request, obj)
