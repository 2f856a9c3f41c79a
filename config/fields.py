"""Model fields for every app of the project.

    from config.fields import DecimalField

    price = DecimalField(max_digits=10, decimal_places=2)

`DecimalField` is Django's, with a zero read as a plain zero whatever its exponent.
Django's DecimalValidator counts zero as one digit at any exponent (Django #34014
made `0E+1` valid), so a form took `0E+1073741824` for a price within
`max_digits`, and PostgreSQL refused to store it ("value overflows numeric
format"): a 500 after the form said the value was fine, and a picture the same
form had stored was left in the bucket (and a zero with more places than
`decimal_places`, `0E-1073741824`, was refused as too precise). Every other value
is bounded by the validator's digit counts. Forms (the field's `formfield()`),
`full_clean()` and the ORM's writes and lookups all read a value through
`to_python()` before anything counts its digits, so each gets the plain zero.
tests/security/test_admin_inputs.py checks every decimal field of the project's
models.
"""

from decimal import Decimal

from django import forms
from django.db import models


def _plain_zero(value, decimal_places):
    """A zero as the column gives it back (0.00), any other value as it is."""
    if value is not None and value.is_zero():
        return Decimal(0).scaleb(-(decimal_places or 0))
    return value


class DecimalFormField(forms.DecimalField):
    """The form's side: a zero read before the form's validators count its places."""

    def to_python(self, value):
        return _plain_zero(super().to_python(value), self.decimal_places)


class DecimalField(models.DecimalField):
    def to_python(self, value):
        return _plain_zero(super().to_python(value), self.decimal_places)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": DecimalFormField, **kwargs})
