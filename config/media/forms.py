"""Upload forms that turn a storage failure into a form error instead of a 500.

Django uploads a FileField's file inside `instance.save()`, in the middle of the
view or the admin's save: an S3 outage, refused credentials or a missing bucket
there is a 500, and a name the storage cannot fit in the field a 400.
`MediaUploadFormMixin` stores new files at the end of validation instead. If
storing fails, or no name fits, the form is invalid with a clear message on the
file field and the view never saves, so no row points at a file that is not
there; if it succeeds, `save()` finds the files already stored and only writes
the row.

    class ProfileForm(MediaUploadFormMixin, forms.ModelForm): ...

A project may bound how many files each account stores: settings.MEDIA_UPLOAD_LIMIT
names a class (`upload_limit`; this project's is config/security/upload_limit.py) the
form asks before storing a file, and tells of each file stored, when it knows the
request: its `upload_request` (set by the view; by `MediaVersionsAdminMixin` for
the admin's forms). A refused file is not stored.

A file a save replaces or clears stays current in the bucket under its own name,
which no row holds any more: the form records it (`EarlierFile`, config/media/models.py)
once the row is saved, in `_save_m2m`, which ModelForm.save() calls, and a view
saving with commit=False calls as `save_m2m()`. The admin lists it on the object's
page and can use it again (config/media/admin.py).

A row that then fails to save leaves an unreferenced object in the bucket, which
is harmless; the opposite (a row pointing at nothing) is what this prevents. Where
a page holds several forms (the admin: a form and its inlines), one may store its
file and another fail, and the page is shown again: `discard_stored_uploads()`
deletes what this form stored (config/media/admin.py calls it for such pages).
"""

import contextlib
import logging
from functools import partial

from django import forms
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import SuspiciousFileOperation
from django.db import models, router
from django.utils.module_loading import import_string

from config.media import versions
from config.media.models import EarlierFile

try:  # the project's admin runs a page again after a lost race (config/adminsaves.py)
    from config.adminsaves import on_retry
except ImportError:  # this unit copied into a project without it: no page runs again

    def on_retry(request, undo) -> None:
        pass


logger = logging.getLogger(__name__)

STORAGE_ERROR_MESSAGE = (
    "The file could not be stored right now, so nothing was saved. "
    "Please try again in a few minutes."
)
BUSY_MESSAGE = (
    "This account is storing another file right now, so nothing was saved. "
    "Please try again in a moment."
)
NAME_ERROR_MESSAGE = (
    "The file could not be stored under its name, so nothing was saved. "
    "Rename the file (a shorter name, with fewer dots) and upload it again."
)


def upload_limit():
    """The class settings.MEDIA_UPLOAD_LIMIT names (a dotted path, optional), or None.
    Its `refusal(request)` says, before a file is stored, None or the error to show
    (on the file field; on the admin's versions page, for a restore); its
    `stored(request)` is told of each file the bucket took, a restored copy
    included; its optional `retry_after(request)` gives the seconds a refused
    restore's 429 tells the client to wait, and its optional `turn(request)`, a
    context manager, is held from the question to the count (`limit_turn`)."""
    path = getattr(settings, "MEDIA_UPLOAD_LIMIT", None)
    return import_string(path) if path else None


def limit_turn(limit, request):
    """The limit's `turn(request)`, held from asking it to telling it: requests in
    flight at once would otherwise each find the last room. It yields whether the
    turn was had (False: another request of the account holds it; store nothing).
    Always had without one."""
    turn = getattr(limit, "turn", None)
    return turn(request) if turn is not None else contextlib.nullcontext(True)


@contextlib.contextmanager
def limit_asked(limit, request):
    """None while `limit` lets `request`'s user store one more file, held in the
    account's turn to the block's end, where the count goes; else the error to show,
    with no turn held: asked before the turn too (one refused waits for no one), and
    BUSY_MESSAGE if the turn did not come in time."""
    if limit is None:
        yield None
        return
    if (refused := limit.refusal(request)) is not None:
        yield refused
        return
    with limit_turn(limit, request) as had:
        refused = limit.refusal(request) if had else BUSY_MESSAGE
        if refused is None:
            yield None
            return
    yield refused


class MediaUploadFormMixin:
    """For ModelForms with file fields: store uploads during validation (see module doc)."""

    storage_error_message = STORAGE_ERROR_MESSAGE
    upload_request = None  # the request whose uploads MEDIA_UPLOAD_LIMIT counts

    def discard_stored_uploads(self) -> None:
        """Delete the files this form stored, for a page shown again unsaved. On a
        versioned bucket that lays a delete marker over the file's one version, which
        stays: the lifecycle rule keeps the newest 3 old versions of every key, and
        the app's keys delete no version (docs/accounts.md, erasing a user's files)."""
        for file in getattr(self, "stored_uploads", ()):
            try:
                file.storage.delete(file.name)
            except versions.storage_errors():
                logger.exception("Deleting unsaved upload %r failed", file.name)
        self.stored_uploads = []

    def _rolled_back(self, file, limit) -> None:
        """An admin page run again after its save's rollback (config/adminsaves.py):
        the file it stored is deleted, as for a page shown again unsaved, and
        counted again, as its version stays in the bucket and the count went with
        the rollback."""
        self.stored_uploads = [file]
        self.discard_stored_uploads()
        if limit is not None:
            # Where the count stayed (Redis), counted once only: the limit's `rolled_back`.
            with limit_turn(limit, self.upload_request):
                getattr(limit, "rolled_back", limit.stored)(self.upload_request)

    def _post_clean(self):
        # The names the row's file fields hold before the form's values go onto it:
        # what a save that replaces or clears one leaves as an earlier file.
        instance = self.instance
        self.held_names = (
            {}
            if instance._state.adding
            else {
                field.name: getattr(instance, field.attname).name or ""
                for field in instance._meta.concrete_fields
                if isinstance(field, models.FileField)
            }
        )
        super()._post_clean()  # builds self.instance from cleaned_data
        self.stored_uploads = []  # what discard_stored_uploads() would delete
        if self._errors:
            return  # store nothing for a form that will be shown again anyway
        limit = upload_limit() if self.upload_request is not None else None
        for field in self.instance._meta.concrete_fields:
            if not isinstance(field, models.FileField) or field.name not in self.cleaned_data:
                continue
            file = getattr(self.instance, field.attname)
            if not file or file._committed:
                continue  # no new upload in this field
            with limit_asked(limit, self.upload_request) as refused:
                if refused is None:
                    self._store(field, file, limit)
            if refused is not None:
                self.add_error(field.name, refused)

    def _store(self, field, file, limit) -> None:
        """Store one new upload of `field` and count it (in the account's turn)."""
        try:
            # What FileField.pre_save would do inside save(), done now.
            file.save(file.name, file.file, save=False)
            self.stored_uploads.append(file)
        except versions.storage_errors() as error:
            logger.exception("Storing upload %r for %s failed", file.name, field)
            self.add_error(field.name, self.storage_error_message)
            # S3 may have written it before the error (the storage hid it again):
            # counted, as a stored file it may be, as a restore's copy is.
            if limit is not None and getattr(error, "media_may_have_written", False):
                limit.stored(self.upload_request)
        except SuspiciousFileOperation:
            # No name fits: Django shortens only what comes before a name's
            # first dot to fit the field's max_length (or the name is unsafe).
            self.add_error(field.name, NAME_ERROR_MESSAGE)
        else:
            if limit is not None:  # counted once the bucket took it
                limit.stored(self.upload_request)
            if self.upload_request is not None:
                on_retry(self.upload_request, partial(self._rolled_back, file, limit))

    def save(self, commit=True):
        self._read_held_names()
        return super().save(commit)

    def _read_held_names(self) -> None:
        """What the row's file fields hold in the database as the save runs: another
        save of the row meanwhile (a second tab, while this one's upload went to S3)
        had replaced the file this form saw when its page loaded, and that one was
        recorded nowhere. Read, not locked: a lock held to the end of the save's
        transaction would make a delete of the row wait on the rest of it."""
        instance = self.instance
        if not getattr(self, "held_names", None) or instance.pk is None:
            return  # a new row, or no file field
        model = type(instance)
        rows = model._base_manager.using(router.db_for_write(model, instance=instance))
        columns = {name: model._meta.get_field(name).attname for name in self.held_names}
        current = rows.filter(pk=instance.pk).values(*columns.values()).first()
        if current is not None:  # a row gone meanwhile: what the form saw
            self.held_names = {name: current[column] or "" for name, column in columns.items()}

    def _save_m2m(self):
        """After the row's save (ModelForm.save, or the view's save_m2m()): record the
        file each of the form's file fields held before, if the save replaced or
        cleared it, in the save's transaction where it has one."""
        super()._save_m2m()
        recorded = []
        for field_name, held in getattr(self, "held_names", {}).items():
            field = self.instance._meta.get_field(field_name)
            now = getattr(self.instance, field.attname).name or ""
            if held and now != held and field_name in self.cleaned_data:
                recorded.append(self.earlier_file(field, held))
            self.held_names[field_name] = now  # a second save records only its own change
        if recorded:
            EarlierFile.objects.bulk_create(recorded)

    def earlier_file(self, field, name: str) -> EarlierFile:
        user = getattr(self.upload_request, "user", None)
        return EarlierFile(
            content_type=ContentType.objects.get_for_model(self.instance),
            object_id=str(self.instance.pk),
            field_name=field.name,
            name=name,
            recorded_by=user if user is not None and user.is_authenticated else None,
        )


class MediaUploadForm(MediaUploadFormMixin, forms.ModelForm):
    """A ModelForm base with the mixin, e.g. for `ModelAdmin.form`."""
