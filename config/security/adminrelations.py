"""Admin parameters that name a relation from its reverse side, or nothing: refused, not a 500.

Two admin parameters name a field of a model, and Django looks the name up with
`_meta.get_field()`, which also finds the reverse side of a relation another model
holds (`features` on a product, `products` on a category, `profile` on a user).
Django then treats what it found as a field and reads attributes only fields have:

- `?_to_field=` (the related-object popups' key) on the add, change, delete and
  list pages: `to_field_allowed()` reads `primary_key`, AttributeError. It runs
  before the add and delete pages check any permission, so any staff member got
  the 500, on every model with such a relation.
- the autocomplete view's `field_name`: it took the reverse side for a foreign
  key and failed reading `get_limit_choices_to`, a 500 for any staff member who
  may view the related model (the demo's shared staff login too).

An empty `?_to_field=` passed Django's check, which tests the value's truth, and
`get_field("")` then raised FieldDoesNotExist on the change and delete pages: a
500, on change pages before any permission check.

`with_relation_names_checked(admin.site.urls)` wraps each admin view (see
config.security.headers.wrap_views): for anyone the admin lets in, such a
`_to_field`, or an empty one, is the 400 page, as Django answers any field it may
not reference (DisallowedModelAdminToField), and such a `field_name` is a 403, as
Django answers a field the model does not have. Anyone else is sent to the admin's
login page by the view, as before, and every other value goes on to Django's own
checks.
"""

from functools import wraps

from django.apps import apps
from django.contrib.admin.exceptions import DisallowedModelAdminToField
from django.contrib.admin.options import TO_FIELD_VAR
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import ForeignObjectRel

from config.security.headers import wrap_views


def names_reverse_relation(model, name: str) -> bool:
    """Whether `get_field(name)` on `model` finds the reverse side of a relation."""
    try:
        return isinstance(model._meta.get_field(name), ForeignObjectRel)
    except FieldDoesNotExist:
        return False  # Django refuses it itself


def with_relation_names_checked(urls):
    def wrap(pattern):
        view = pattern.callback
        if hasattr(view, "model_admin"):
            return _to_field_checked(view, view.model_admin)
        if pattern.name == "autocomplete":
            return _field_name_checked(view, view.admin_site)
        return view

    return wrap_views(urls, wrap)


def _to_field_checked(view, model_admin):
    @wraps(view)
    def checked(request, *args, **kwargs):
        if model_admin.admin_site.has_permission(request):
            # Django reads it from the form on a POST, else from the query string; both
            # here. (A POST's form is parsed before any view: config/security/formdata.py.)
            # An empty one passes Django's check, which tests the value's truth, and
            # get_field("") then raised FieldDoesNotExist on change and delete pages.
            for to_field in {request.GET.get(TO_FIELD_VAR), request.POST.get(TO_FIELD_VAR)}:
                if to_field is None:
                    continue
                if not to_field or names_reverse_relation(model_admin.model, to_field):
                    raise DisallowedModelAdminToField(
                        f"The field {to_field!r} cannot be referenced."
                    )
        return view(request, *args, **kwargs)

    return checked


def _field_name_checked(view, admin_site):
    @wraps(view)
    def checked(request, *args, **kwargs):
        if admin_site.has_permission(request):
            try:
                model = apps.get_model(request.GET["app_label"], request.GET["model_name"])
                field_name = request.GET["field_name"]
            except (KeyError, LookupError):
                model = None  # Django's view refuses these itself (PermissionDenied)
            if model is not None and names_reverse_relation(model, field_name):
                raise PermissionDenied
        return view(request, *args, **kwargs)

    return checked
