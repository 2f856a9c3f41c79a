"""An admin save that another request beat to a unique value: the form again with
its error, not a 500.

The admin's forms check each unique field (a slug, a username, a group's name)
against the committed rows, then save in a transaction: a row committed in
between, by a double-clicked Save or by two staff at once, made the write an
IntegrityError, the 500 page and an error event, while the first click had
saved. `ConflictsShownOnTheFormMixin` runs the page once more on the same POST
when its save raises IntegrityError: the transaction is rolled back by then, and
the form's checks now see the row that won, so the page shows their error and
writes nothing. Uploaded files are read again from their start. A second
IntegrityError (a constraint no form checks) is the server error it was.
"""

from django.db import IntegrityError


class ConflictsShownOnTheFormMixin:
    """For a ModelAdmin: its add and change pages answer a lost race with the form."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            if request.method != "POST":
                raise
        for _, files in request.FILES.lists():
            for upload in files:
                upload.seek(0)
        return super().changeform_view(request, object_id, form_url, extra_context)
