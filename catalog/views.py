"""Catalog pages. Query shape lives in ProductQuerySet; these only read the request.

Bad input never reaches the database as a 500: an unknown sort, category or
page is a 404, and `per_page` is clamped to 1-100.
"""

from django.core.validators import slug_re
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.views.generic import ListView, TemplateView

from catalog.counts import CachedCountPaginator, count_key, same_rows
from catalog.kept import fresh_for, kept, kept_key
from catalog.models import Category, Product
from catalog.querysets import DEFAULT_SORT, SORTS
from config.commands import WHOLE_NUMBER, capped
from config.pagination import PageNumberMixin

PER_PAGE = 24
MAX_PER_PAGE = 100
# Products shown under "More in <category>" on a product's page.
MORE_IN_CATEGORY = 4
SORT_LABELS = {
    "name": "Name, A to Z",
    "-name": "Name, Z to A",
    "price": "Price, low to high",
    "-price": "Price, high to low",
    "newest": "Newest first",
}


def clamp_per_page(value: str | None) -> int:
    """`?per_page=`: a whole number in ASCII digits is clamped to 1-100, however many
    digits it has (int() refuses more than 4,300); anything else is the default,
    other scripts' digits, `1_00` and `+7` too, which int() reads."""
    if value is None or not WHOLE_NUMBER.fullmatch(value):
        return PER_PAGE
    if value.startswith("-"):
        return 1
    return max(capped(value, MAX_PER_PAGE), 1)


def is_canonical_query(request, kwargs: dict) -> bool:
    """Whether the query string spells the list's parameters as the site's own form
    and pager do: each at most once; `page` and `per_page` whole numbers from 1,
    without a sign or a leading zero (`per_page` at most 100, or empty: the form's
    field cleared); a known `sort`; and `category` only on /products/. Other
    spellings show a page the site links to another way (`per_page=024`, or
    `per_page=abc`, read as 24), and the page cache stores only these
    (catalog/urls.py): a page has at most a few entries (`?page=1`, `?sort=name`
    and `?per_page=24` spell the first page's defaults), never any number."""
    for name, values in request.GET.lists():
        if len(values) != 1:
            return False
        value = values[0]
        if name == "per_page" and value == "":
            continue
        if name in ("page", "per_page"):
            number = value.isascii() and value.isdigit() and not value.startswith("0")
            if not number or (name == "per_page" and len(value) > len(str(MAX_PER_PAGE))):
                return False
            if name == "per_page" and int(value) > MAX_PER_PAGE:
                return False
        elif name == "sort":
            if value not in SORTS:
                return False
        elif name != "category" or "slug" in kwargs or not slug_re.fullmatch(value):
            return False
    return True


def counted_list(category):
    """The list whose count is kept between requests, under its category's key
    (catalog/counts.py): the published products, or a category's. It takes no
    request: a key that depended on one would be made anew for every search."""
    products = Product.objects.published()
    return products.in_category(category) if category else products


class ProductListView(PageNumberMixin, ListView):
    """`/products/` (with `?category=`) and `/categories/<slug>/`."""

    template_name = "catalog/product_list.html"
    context_object_name = "products"

    def get_queryset(self):
        self.sort = self.request.GET.get("sort", DEFAULT_SORT)
        if self.sort not in SORTS:
            raise Http404("Unknown sort order.")
        self.category = self.get_category()
        # Kept for get_paginator(), which compares the list it pages with this one:
        # making it again cost about a tenth of a millisecond a request.
        self.counted = counted_list(self.category)
        return self.counted.for_list().sorted_by(self.sort).with_features()

    def get_category(self) -> Category | None:
        slug = self.kwargs.get("slug") or self.request.GET.get("category")
        if not slug:
            return None
        # A value that cannot be a slug (a NUL byte, say) would be a database
        # error, not a missing row: it is a 404 before any query.
        if not slug_re.match(slug):
            raise Http404("No such category.")
        return get_object_or_404(Category, slug=slug)

    def get_paginate_by(self, queryset) -> int:
        return clamp_per_page(self.request.GET.get("per_page"))

    def get_paginator(self, queryset, per_page, **kwargs):
        # The count is kept for the list counted_list() makes, whatever its order. A
        # list filtered, joined or sliced otherwise (a fork's filter in get_queryset,
        # a subclass's search) counts its own rows every time (catalog/counts.py).
        counted = getattr(self, "counted", None)
        if counted is None:  # a fork's get_queryset() of its own
            counted = counted_list(self.category)
        own = same_rows(queryset, counted)
        return CachedCountPaginator(
            queryset,
            per_page,
            count_key=count_key(self.category) if own else None,
            fresh=fresh_for(self.request),
            last=(self.kwargs.get(self.page_kwarg) or self.request.GET.get(self.page_kwarg))
            == "last",
            **kwargs,
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            category=self.category,
            sort=self.sort,
            sorts=SORT_LABELS.items(),
            per_page=self.get_paginate_by(None),
            **kwargs,
        )


def is_product_page(value) -> bool:
    """Whether a kept value is what ProductDetailView.product_page() returns."""
    return (
        type(value) is tuple
        and len(value) == 2
        and type(value[0]) is str
        and type(value[1]) is SafeString
    )


class ProductDetailView(TemplateView):
    """A product, and a few others of its category (two more queries, at any size).

    All of it below the header is the same for every visitor: it is rendered once
    per catalog change and kept (catalog/kept.py), so most requests run no query.
    """

    template_name = "catalog/product_detail.html"

    def get_context_data(self, **kwargs):
        title, content = kept(
            kept_key(self.request),
            self.product_page,
            is_product_page,
            fresh=fresh_for(self.request),
        )
        return super().get_context_data(title=title, content=content, **kwargs)

    def product_page(self) -> tuple[str, str]:
        """The product's name and its page's content; a 404 if it is not published."""
        product = get_object_or_404(
            Product.objects.published().for_list().with_features(), slug=self.kwargs["slug"]
        )
        more = Product.objects.more_in_category(product).for_list().with_features()
        context = {"product": product, "more_in_category": list(more[:MORE_IN_CATEGORY])}
        return product.name, render_to_string("catalog/_product.html", context)
