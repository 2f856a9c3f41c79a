"""Form behaviour for every app of the project.

    from config.forms import SentWholeMixin

    class ProfileForm(SentWholeMixin, forms.ModelForm): ...

`SentWholeMixin` refuses a bound form whose data leaves out a field its page
always sends. A browser's form sends each text field, text area, select and
hidden input, empty or not; a field left out of the body is a script's doing
(JSON posted as a form, as `curl -d '{...}'` and scripts' defaults send it; a
form cut to the one field it changes), and Django reads it as empty. A form
whose fields may all be empty, the profile's, was saved empty: name, bio and
company gone. Fields a browser leaves out when they are empty or unchosen
(checkboxes, file inputs, radio buttons, multiple selects) and disabled ones
are not asked for.

`SentWholeAdminMixin` gives a ModelAdmin's add and change forms and its inlines'
forms the same check. Without it a body of the required fields alone was
saved, and each optional one left out was stored empty: a product's or
category's description, a company's website, a user's name and e-mail (and with
it the password reset). Its inlines also refuse a row sent as a new one with a
stored row's id, rows past the count the body gives, and a row the page showed
whose id names none of its rows (`KnownRowsFormSetMixin`). An error on a hidden
field (an inline row's id or parent), which no admin template shows, is said
among the form's own errors. tests/config/test_error_pages.py checks the site's
profile form, and every form of the admin without each field its page sends.
"""

from django import forms
from django.core.exceptions import ValidationError

from config.commands import capped

# Widgets a browser's form leaves out of the body when they are empty or unchosen;
# CheckboxInput and SelectMultiple already say they are never left out.
LEFT_OUT_WHEN_EMPTY = (forms.FileInput, forms.RadioSelect)

LEFT_OUT = (
    "This form arrived without some of its fields (%(fields)s): a browser sends each "
    "of them, empty or not. Nothing was saved; send the whole form."
)


HIDDEN_FIELDS_CHANGED = (
    "This form's hidden fields (%(fields)s) came back with values its page did not give, "
    "or that no longer hold: a row it showed may have been deleted meanwhile. Nothing "
    "was saved; reload the page and send it again."
)


def hidden_fields_changed(names: list[str]) -> ValidationError:
    return ValidationError(
        HIDDEN_FIELDS_CHANGED, code="hidden_changed", params={"fields": ", ".join(names)}
    )


class SentWholeMixin:
    def full_clean(self):
        super().full_clean()
        # Django puts an inline row's wrong id or parent on those hidden fields (its
        # model's unique checks too), whose errors no admin template shows: the page
        # said "Please correct the error below." and showed none. Said where the
        # form's own errors are shown.
        hidden = [
            name
            for name, field in self.fields.items()
            if field.widget.is_hidden and name in (self._errors or ())
        ]
        if hidden:
            self.add_error(None, hidden_fields_changed(hidden))

    def clean(self):
        """Before a ModelForm's instance is built and its uploads stored."""
        cleaned = super().clean()
        left_out = [
            name
            for name, field in self.fields.items()
            if not field.disabled
            # Inside the admin's wrapper of a related field's widget, where there is one.
            and not isinstance(getattr(field.widget, "widget", field.widget), LEFT_OUT_WHEN_EMPTY)
            and field.widget.value_omitted_from_data(self.data, self.files, self.add_prefix(name))
        ]
        if left_out:
            raise ValidationError(LEFT_OUT, code="left_out", params={"fields": ", ".join(left_out)})
        return cleaned


def sent_whole(form_class: type) -> type:
    """`form_class`, refusing a body without a field its page always sends."""
    if issubclass(form_class, SentWholeMixin):
        return form_class
    return type(form_class)(form_class.__name__, (SentWholeMixin, form_class), {})


ROWS_PAST_THE_COUNT = (
    "This form arrived with more rows than the count it gave (%(count)s): a browser "
    "counts every row it sends. Nothing was saved; reload the page and send it again."
)
NEW_ROW_OF_A_STORED_ID = (
    "A row arrived as a new one with the id of a row already stored (%(ids)s), and would "
    "have been added again. Nothing was saved; reload the page and send it again."
)


class KnownRowsFormSetMixin:
    """For a model formset: refuses rows a body tells otherwise than its page did.

    - A new row that carries a stored row's id. A row past the count the page says
      it showed (its INITIAL_FORMS) is a new one to Django, whatever id it carries:
      a body whose count was 0, or below 0, had each of a product's features added
      again, with their edits, and the page said the product was changed.
    - Rows past the body's TOTAL_FORMS, which Django never reads.
    - A row the page showed whose id names none of this formset's rows (another
      parent's, or none), which Django skips.
    - Two rows the page showed of one id: the row took the later one's edit, or was
      deleted by the first and the later one's edit dropped.

    A browser's page counts the rows it shows and sends."""

    def clean(self):
        super().clean()
        self._refuse_rows_past_the_count()
        key = self.model._meta.pk
        # A row the page showed whose id names none of this formset's rows (another
        # parent's, none at all) is a new row to Django, which then skips it: its
        # edits were dropped and the page said the change was saved.
        for form in self.initial_forms:
            # _state.adding, as Django's own formsets ask: a key with a default (a
            # UUID) is set on a new instance too.
            if form.instance._state.adding and not form.has_error(key.name):
                form.add_error(None, hidden_fields_changed([key.name]))
        shown = set()
        for form in self.initial_forms:
            if not form.instance._state.adding:
                if form.instance.pk in shown and not form.has_error(key.name):
                    form.add_error(None, hidden_fields_changed([key.name]))
                shown.add(form.instance.pk)
        new = self.forms[max(self.initial_form_count(), 0) :]  # Django's, below 0 too
        sent = set()
        for form in new:
            try:
                value = key.to_python(form.data.get(form.add_prefix(key.name)))
            except ValidationError:
                continue  # no row's id: its own field's error, where it is one
            if value not in (None, ""):
                sent.add(value)
        if not sent:
            return
        # Only the formset's stored rows: a key staff type, or a default the page fills
        # in (a UUID), names none of them, and is a new row's own.
        stored = self.get_queryset().filter(pk__in=sent).values_list("pk", flat=True)
        if ids := sorted(str(value) for value in stored):
            raise ValidationError(
                NEW_ROW_OF_A_STORED_ID,
                code="new_row_of_a_stored_id",
                params={"ids": ", ".join(ids)},
            )

    def _refuse_rows_past_the_count(self):
        """A row sent past TOTAL_FORMS is never read: with the count lowered, the
        page's own form was saved and the rows' edits dropped, and the page said the
        change was saved. A browser's page renumbers its rows as it adds and removes
        them (the empty row it copies is numbered `__prefix__`).

        A row's field is `<prefix>-<number>-<field of the row's form>`: a second
        inline of the same model has the prefix `<prefix>-2`, whose fields are not
        this formset's rows."""
        count = self.total_form_count()
        start = f"{self.prefix}-"
        fields = self.empty_form.fields
        for name in (*self.data, *self.files):
            if name.startswith(start):
                index, dash, field = name.removeprefix(start).partition("-")
                if (
                    dash
                    and field in fields
                    and index.isascii()
                    and index.isdigit()
                    and capped(index, count) >= count  # any number of digits
                ):
                    raise ValidationError(
                        ROWS_PAST_THE_COUNT, code="rows_past_the_count", params={"count": count}
                    )


class SentWholeAdminMixin:
    """For a ModelAdmin: its add and change forms, and its inlines' forms, are
    `SentWholeMixin`'s, and its inlines' formsets `KnownRowsFormSetMixin`'s."""

    def get_form(self, request, obj=None, **kwargs):
        return sent_whole(super().get_form(request, obj, **kwargs))

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            bases = (formset,)
            if not issubclass(formset, KnownRowsFormSetMixin):
                bases = (KnownRowsFormSetMixin, formset)
            attributes = {"form": sent_whole(formset.form)}
            yield type(formset)(formset.__name__, bases, attributes), inline
