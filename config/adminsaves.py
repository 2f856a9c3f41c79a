"""Admin pages that lose a race to another request: the form again with its error, or
the list again saying what went, not a 500 or an action on nothing.

The admin's forms check each unique field (a slug, a username, a group's name)
against the committed rows, then save in a transaction: a row committed in
between, by a double-clicked Save or by two staff at once, made the write an
IntegrityError, the 500 page and an error event, while the first click had
saved. So did a foreign key PostgreSQL checks at the commit (a category deleted
while a product was added to it, or given a product while staff deleted it).
`ConflictsShownOnTheFormMixin` runs the page once more on the same POST when it
raises IntegrityError: the transaction is rolled back by then, and the form's
checks now see what changed, so the page shows their error and writes nothing.
Uploaded files are read again from their start. A second IntegrityError (a
constraint no form checks) is the server error it was.

What the first attempt did outside the database the rollback leaves: it is
undone before the second (`on_retry`: the media forms delete the files they
stored, and count them again, as the bucket keeps their versions), and the
messages it queued ("was added successfully") are dropped.

Two more races end the same way:

- The row a change page saves, or one of its inlines' rows, was deleted
  meanwhile by another staff member. Django's save UPDATEs, and on finding no
  row INSERTs under the same key: the row came back (a deleted staff account
  with its rights and its password, a product's deleted feature). Rows that
  exist are saved with an UPDATE alone here; finding none, the page runs again
  and says, as Django does for a row that is gone, that it may have been
  deleted. For an inline's row it is the form again, with the row's error and
  nothing written: Django puts it on the row's hidden id field, which
  `SentWholeMixin` (config/forms.py) says on the row; reloading shows the rows as
  they are.
- The staff member saving was deleted meanwhile: the admin's history row names
  them, and its foreign key failed the commit, then the page run again. The
  first run is undone as above, and they are sent to the admin's login page,
  as their next request would be.

One race ends before any write: a list action on rows that were all deleted
meanwhile (or "all" selected across a list that has emptied) is the list again,
saying so (`_on_rows_still_there`), where Django ran the action on none (the
delete action asked to confirm deleting nothing, then said nothing). Rows of the
selection that are still there are acted on, as Django does; an action that acts
on rows of its own choosing (django-axes' clean-up) says `acts_on_selection =
False` and runs.
"""

import functools
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import FieldDoesNotExist
from django.db import DatabaseError, IntegrityError, router, transaction
from django.urls import reverse

SELECTION_GONE = (
    "None of the selected rows are in this list any more: they may have been deleted "
    "meanwhile. Nothing was done."
)


def _on_rows_still_there(action):
    """`action`, answering the list again with SELECTION_GONE when none of the rows it
    is given are still there (another staff member deleted them meanwhile, "all"
    selected across a list that has emptied): Django ran it on none, and the delete
    action asked to confirm deleting nothing, then said nothing. Run after Django's
    own checks (an action chosen, rows selected). An action that ignores the rows
    it is given says so with `acts_on_selection = False`."""
    if not getattr(action, "acts_on_selection", True):
        return action

    @functools.wraps(action)
    def on_rows_still_there(model_admin, request, queryset):
        if not queryset.exists():
            model_admin.message_user(request, SELECTION_GONE, messages.WARNING)
            return None  # the list again
        return action(model_admin, request, queryset)

    return on_rows_still_there


def on_retry(request, undo: Callable[[], None]) -> None:
    """Have `undo` run if this request's admin page is run again after an IntegrityError."""
    request.__dict__.setdefault("_undone_on_retry", []).append(undo)


class ConflictsShownOnTheFormMixin:
    """For a ModelAdmin: its add, change and delete pages, and its list's actions
    (the delete action), answer a lost race with the page again. A category given
    a product while staff delete it fails the delete's commit: run again, the
    delete finds the product and shows the protected page."""

    def changeform_view(self, request, *args, **kwargs):
        return self._run_again_on_conflict(super().changeform_view, request, *args, **kwargs)

    def save_model(self, request, obj, form, change):
        # A change is an UPDATE alone: one that finds no row raises DatabaseError,
        # where Django's save would INSERT the deleted row again. Of the columns the
        # form changed alone (changed_columns).
        if change:
            save_changed(obj, form)
        else:
            obj.save()

    def save_formset(self, request, form, formset, change):
        # The inlines' rows that exist, likewise (Django's save_existing saves the form).
        formset.save_existing = _update_existing
        super().save_formset(request, form, formset, change)

    def delete_view(self, request, *args, **kwargs):
        return self._run_again_on_conflict(super().delete_view, request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        # An action's POST: Django's delete action logs each deletion before
        # deleting, outside the delete's transaction; in one, a delete that fails
        # leaves no "Deleted" entry in the admin's history.
        view = self._in_one_transaction(super().changelist_view)
        return self._run_again_on_conflict(view, request, *args, **kwargs)

    def get_actions(self, request):
        return {
            name: (_on_rows_still_there(function), name, description)
            for name, (function, name, description) in super().get_actions(request).items()
        }

    def _in_one_transaction(self, view, before=None):
        """`view`, its POSTs in one transaction; `before(request)` runs first."""

        def in_one_transaction(request, *args, **kwargs):
            if request.method != "POST":
                return view(request, *args, **kwargs)
            if before is not None:
                before(request)
            with transaction.atomic(using=router.db_for_write(self.model)):
                return view(request, *args, **kwargs)

        return in_one_transaction

    def _run_again_on_conflict(self, view, request, *args, **kwargs):
        queued = messages.get_messages(request)
        before = len(queued._queued_messages)  # the storage's list of this request's
        try:
            return view(request, *args, **kwargs)
        except DatabaseError as error:
            if request.method != "POST" or not (
                isinstance(error, IntegrityError) or row_went(error)
            ):
                raise
        del queued._queued_messages[before:]
        for undo in request.__dict__.pop("_undone_on_retry", []):
            undo()
        if not request.user._meta.default_manager.filter(pk=request.user.pk).exists():
            login = reverse("admin:login", current_app=self.admin_site.name)
            return redirect_to_login(request.get_full_path(), login)
        for _, files in request.FILES.lists():
            for upload in files:
                upload.seek(0)
        return view(request, *args, **kwargs)


def _update_existing(form, obj, commit=True):
    """BaseModelFormSet.save_existing, saving the row with an UPDATE alone, of the
    columns the row's form changed."""
    saved = form.save(commit=False)
    if commit:
        save_changed(saved, form)
        form.save_m2m()
    return saved


def changed_columns(obj, form) -> list[str]:
    """The fields of `obj` that a change page's `form` changed, with those Django sets
    from them (an image's width and height) and on every save (`auto_now`): what its
    UPDATE writes. The whole row, as the page loaded it, undid what another request
    wrote meanwhile to fields the form left alone or shows read-only: a member's new
    password, an operator's unpublishing, a member's own profile edit."""
    opts = obj._meta
    names = set()
    for name in form.changed_data:
        try:
            field = opts.get_field(name)
        except FieldDoesNotExist:
            continue  # a form's own field
        if field.concrete and not field.many_to_many and not field.primary_key:
            names.add(field.name)
            # An image field sets its width and height fields when assigned.
            dimensions = (getattr(field, "width_field", None), getattr(field, "height_field", None))
            names.update(name for name in dimensions if name)
    names.update(field.name for field in opts.concrete_fields if getattr(field, "auto_now", False))
    return sorted(names)


def save_changed(obj, form) -> None:
    """Save `obj`, a stored row, with an UPDATE of `changed_columns` alone; with none,
    check that the row is still there, as that UPDATE would (Django skips a save of
    no fields without a word)."""
    columns = changed_columns(obj, form)
    if columns:
        obj.save(force_update=True, update_fields=columns)
    elif not type(obj)._base_manager.filter(pk=obj.pk).exists():
        raise DatabaseError(NO_ROW[0])


# What Django's save raises for an UPDATE alone that finds no row.
NO_ROW = (
    "Forced update did not affect any rows.",
    "Save with update_fields did not affect any rows.",
)


def row_went(error: DatabaseError) -> bool:
    """Whether `error` is Django's own word that the row saved was deleted meanwhile:
    told by its class and text, with no query, which would fail in a transaction it
    spoilt (the database's errors are subclasses, or say something else). The
    password forms (accounts/forms.py) ask it too."""
    return type(error) is DatabaseError and str(error) in NO_ROW
