"""Admin autocomplete fields that show a tampered choice again as a form error, not a 500.

A form posted with an autocomplete field's value that is no id of its model
("abc", "1.5", a NUL) fails validation, and the admin shows the form again. To
show it, Django's autocomplete widget looks the posted value up with `id__in`, and
the lookup's ValueError was a 500 (any staff member who may change the object).
Here the widget looks up only the values its field can read; the rest were never
choices, and the form's own "Select a valid choice" error says so.

    class ProfileAdmin(AutocompleteChoicesMixin, admin.ModelAdmin):
        autocomplete_fields = ("company",)

`tests/security/test_admin_inputs.py` checks every autocomplete field of every
registered admin and inline.
"""

from django.contrib.admin import widgets
from django.core.exceptions import ValidationError


class _ReadableChoices:
    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if self._readable(v)], attr)

    def _readable(self, value) -> bool:
        remote = self.field.remote_field  # as Django's optgroups reads it
        opts = remote.model._meta
        target = opts.get_field(getattr(remote, "field_name", None) or opts.pk.name)
        try:
            python_value = target.to_python(value)
        except ValidationError:
            return False
        # A text key (`to_field="slug"`) reads a NUL as text; PostgreSQL cannot hold one.
        return not (isinstance(python_value, str) and "\x00" in python_value)


class AutocompleteSelect(_ReadableChoices, widgets.AutocompleteSelect):
    pass


class AutocompleteSelectMultiple(_ReadableChoices, widgets.AutocompleteSelectMultiple):
    pass


class AutocompleteChoicesMixin:
    """For a ModelAdmin or an inline with `autocomplete_fields`: the widgets above."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)
