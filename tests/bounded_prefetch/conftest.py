"""One set of throwaway models for the bounded prefetch tests, none of them the
catalog's: customers, orders, and what an order has in every shape the tests
need. Made inside `isolate_apps("config")`, their tables created inside the
test's transaction, so both are gone when the test ends."""

from types import SimpleNamespace

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps

from config.bounded_prefetch import BoundedPrefetchQuerySet
from tests.bounded_prefetch.throwaway import VisibleManager, model


@pytest.fixture
def shop_models(db):
    """Order (a reference, a unique number, an optional customer) with:
    line_items (ordered by descending quantity, NULLs first, then id), note_set
    (no Meta.ordering, a JSONField), badge (reverse one-to-one) and tags (both
    with a composite primary key), grouped (ordered through a relation whose
    model has its own ordering), hideable (a default manager that filters) and
    numbered_notes (a foreign key to the order's number), words and readings
    (ordered by text and by floats); ArchivedOrder, a
    proxy of Order; and Sheet (a JSONField) with its lines, each with marks."""
    m = SimpleNamespace()
    with isolate_apps("config"):
        m.Customer = model("Customer", name=models.CharField(max_length=20))
        m.Group = model("Group", ordering=["name"], name=models.CharField(max_length=20))
        m.Order = model(
            "Order",
            reference=models.CharField(max_length=20),
            number=models.IntegerField(unique=True, null=True),
            customer=models.ForeignKey(
                m.Customer, models.SET_NULL, null=True, related_name="orders"
            ),
            objects=BoundedPrefetchQuerySet.as_manager(),
        )
        order = lambda **options: models.ForeignKey(m.Order, models.CASCADE, **options)  # noqa: E731
        m.LineItem = model(
            "LineItem",
            ordering=["-quantity", "id"],
            order=order(related_name="line_items"),
            sku=models.CharField(max_length=20),
            quantity=models.IntegerField(null=True),
        )
        m.Note = model(
            "Note",
            order=order(),  # default accessor: note_set
            text=models.CharField(max_length=50),
            data=models.JSONField(default=dict),  # a field with a from_db_value
        )
        m.Badge = model(
            "Badge",
            pk=models.CompositePrimaryKey("kind", "number"),
            kind=models.CharField(max_length=10),
            number=models.IntegerField(),
            order=models.OneToOneField(m.Order, models.CASCADE, related_name="badge"),
        )
        m.Tag = model(  # no Meta.ordering: primary key order, two columns
            "Tag",
            pk=models.CompositePrimaryKey("order", "label"),
            order=order(related_name="tags"),
            label=models.CharField(max_length=10),
        )
        m.GroupedItem = model(
            "GroupedItem",
            ordering=["group", "id"],
            order=order(related_name="grouped"),
            group=models.ForeignKey(m.Group, models.CASCADE),
        )
        m.HiddenItem = model(
            "HiddenItem",
            order=order(related_name="hideable"),
            hidden=models.BooleanField(default=False),
            objects=VisibleManager(),
        )
        m.NumberedNote = model(
            "NumberedNote", order=order(to_field="number", related_name="numbered_notes")
        )
        # Ordered by text, which the database orders by its collation (Heroku
        # Postgres' en_US.UTF-8 puts "apple" before "Banana"), and by floats, which
        # it orders NaN after infinity.
        for name, related, value in [
            ("Word", "words", models.CharField(max_length=20)),
            ("Reading", "readings", models.FloatField(null=True)),
        ]:
            ordering = ["value", "id"]
            setattr(
                m,
                name,
                model(name, ordering=ordering, order=order(related_name=related), value=value),
            )
        # A parent with a field named page (its column page_id), as a CMS section has.
        m.Page = model("Page")
        m.Section = model(
            "Section",
            page=models.ForeignKey(m.Page, models.CASCADE),
            objects=BoundedPrefetchQuerySet.as_manager(),
        )
        m.Block = model(
            "Block", section=models.ForeignKey(m.Section, models.CASCADE, related_name="blocks")
        )
        # A parent whose column is page_id under another field name (a legacy column),
        # and one whose select_related object has a `page` foreign key.
        m.Legacy = model(
            "Legacy",
            legacy=models.IntegerField(db_column="page_id", default=0),
            holder=models.ForeignKey(m.Section, models.CASCADE),
            objects=BoundedPrefetchQuerySet.as_manager(),
        )
        m.LegacyKid = model(
            "LegacyKid", legacy=models.ForeignKey(m.Legacy, models.CASCADE, related_name="kids")
        )
        # A parent whose own values pass through a converter (a JSONField's).
        m.Sheet = model("Sheet", data=models.JSONField(default=dict))
        m.SheetLine = model(
            "SheetLine",
            sheet=models.ForeignKey(m.Sheet, models.CASCADE, related_name="lines"),
            text=models.CharField(max_length=20),
        )
        # A parent (SheetLine) whose select_related object (Sheet) needs a converter.
        m.SheetMark = model(
            "SheetMark",
            line=models.ForeignKey(m.SheetLine, models.CASCADE, related_name="marks"),
            sign=models.CharField(max_length=5),
        )
        with connection.schema_editor() as editor:
            for model_class in vars(m).values():
                editor.create_model(model_class)
        # A proxy: Order's table, Order's SQL, instances of its own class.
        m.ArchivedOrder = model("ArchivedOrder", base=m.Order, proxy=True)
        yield m
