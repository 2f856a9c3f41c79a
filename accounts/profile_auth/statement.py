"""`get_user`'s query, compiled by the ORM once and then only run.

Every request of a logged-in user looks the user up. Django builds that
queryset and compiles it to SQL each time: most of the lookup's CPU, for a
statement whose text never changes (docs/accounts.md, "Compiled once"). A
`Statement` keeps what compiling gave: the SQL, with the primary key as its
one parameter, and how a row becomes instances. Each lookup runs that SQL
through Django's cursor (the query log and Server-Timing see it) and builds the
instances as a queryset does: `Model.from_db` for the user, select_related's own
populators for the joined profile and company.

That last step is the ORM's (`ModelIterable`), read from its compiler's
`klass_info` and `get_related_populators`, which are not public API: the tests
compare the instances and cached relations of the backend's query with the
ORM's, so a Django upgrade that changes them fails there (the Pipfile keeps
Django on 5.2 until someone upgrades it on purpose). A queryset this cannot run
the same way gets no Statement and stays with the ORM: columns with converters,
a parameter of its own, `.extra()` columns, prefetches, rows that are not model
instances, a query that can match nothing (`.none()`).
"""

from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models.query import MAX_GET_RESULTS, ModelIterable, get_related_populators

# Stands for the primary key while compiling; never sent to the database.
PLACEHOLDER = 0


@dataclass(frozen=True)
class Statement:
    sql: str
    using: str
    model: type
    init_list: tuple[str, ...]  # the model's attnames: the row's first columns
    populators: tuple  # one per select_related relation
    annotations: tuple[tuple[str, int], ...]  # (name, position in the row)

    @classmethod
    def of(cls, queryset) -> "Statement | None":
        """The statement `queryset.get(pk=...)` sends, or None (see the module)."""
        if (
            queryset._iterable_class is not ModelIterable
            or queryset._prefetch_related_lookups
            or queryset._known_related_objects
        ):
            return None
        # What get() compiles: the filter, no ordering, at most MAX_GET_RESULTS rows.
        query = queryset.filter(pk=PLACEHOLDER).order_by()[:MAX_GET_RESULTS].query
        compiler = query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # get() answers DoesNotExist without asking the database
            return None
        if len(params) != 1 or compiler.get_converters([col for col, _, _ in compiler.select]):
            return None
        info = compiler.klass_info
        start, last = info["select_fields"][0], info["select_fields"][-1]
        if start != 0:  # .extra(select=...) columns come first
            return None
        return cls(
            sql=sql,
            using=queryset.db,
            model=info["model"],
            init_list=tuple(col.target.attname for col, _, _ in compiler.select[: last + 1]),
            populators=tuple(get_related_populators(info, compiler.select, queryset.db)),
            annotations=tuple(compiler.annotation_col_map.items()),
        )

    def get(self, pk):
        """The instance whose primary key is `pk`, as `get()` returns it, or its
        DoesNotExist or MultipleObjectsReturned (a join that repeats the row)."""
        model, connection = self.model, connections[self.using]
        name = model._meta.object_name
        value = model._meta.pk.get_db_prep_value(pk, connection, prepared=False)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [value])
            rows = cursor.fetchmany(2)
        if not rows:
            raise model.DoesNotExist(f"{name} matching query does not exist.")
        if len(rows) > 1:
            raise model.MultipleObjectsReturned(f"get() returned more than one {name}.")
        [row] = rows
        obj = model.from_db(self.using, self.init_list, row[: len(self.init_list)])
        for populator in self.populators:
            populator.populate(row, obj)
        for name, position in self.annotations:
            setattr(obj, name, row[position])
        return obj
