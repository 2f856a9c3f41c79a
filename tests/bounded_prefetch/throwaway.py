"""Throwaway models for the bounded prefetch tests: `model()` makes one inside
`isolate_apps("config")`; conftest.py's `shop_models` makes the shared set."""

from django.db import models


class VisibleManager(models.Manager):
    """A soft delete: the default manager leaves hidden rows out."""

    def get_queryset(self):
        return super().get_queryset().filter(hidden=False)


def model(
    name: str,
    /,
    *,
    ordering: list[str] | None = None,
    base: type = models.Model,
    proxy: bool = False,
    **attributes,
) -> type:
    """A model class `name` of the "config" app: fields, managers and the like in
    `attributes`, `Meta.ordering` if given; with `proxy`, a proxy of `base`."""
    meta = {"app_label": "config", "proxy": proxy}
    if ordering is not None:
        meta["ordering"] = ordering
    return type(
        name,
        (base,),
        {"__module__": __name__, "Meta": type("Meta", (), meta), "__str__": _str, **attributes},
    )


def _str(obj) -> str:
    return f"{type(obj).__name__} {obj.pk}"
