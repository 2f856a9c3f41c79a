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

Stored uploads are counted an hour, per account and client (UPLOADS_PER_HOUR) and per
account (UPLOADS_PER_ACCOUNT_PER_HOUR), when the form knows who uploads: its
`upload_request` (the profile page sets it, `MediaVersionsAdminMixin` for the
admin's forms). Past either, the file is not stored and the field says why.
Superusers are not counted: an operator may fill a catalog's pictures.

A row that then fails to save leaves an unreferenced object in the bucket, which
is harmless; the opposite (a row pointing at nothing) is what this prevents. Where
a page holds several forms (the admin: a form and its inlines), one may store its
file and another fail, and the page is shown again: `discard_stored_uploads()`
deletes what this form stored (config/media/admin.py calls it for such pages).
"""

import logging

from django import forms
from django.core.exceptions import SuspiciousFileOperation
from django.db import models

from config.media import versions
from config.security import client_ip, throttle

logger = logging.getLogger(__name__)

STORAGE_ERROR_MESSAGE = (
    "The file could not be stored right now, so nothing was saved. "
    "Please try again in a few minutes."
)
# Each stored upload stays in the versioned bucket, and the demo's shared staff login
# changes pictures for every visitor: per account and client an hour, and per account
# from all its clients (a visitor with many addresses), as the S3 tour counts runs.
UPLOADS_PER_HOUR = 20
UPLOADS_PER_ACCOUNT_PER_HOUR = 100


def account_uploads(user) -> tuple[str, str]:
    """The (scope, value) an account's stored uploads are counted under."""
    return ("uploads-account", str(user.pk))


NAME_ERROR_MESSAGE = (
    "The file could not be stored under its name, so nothing was saved. "
    "Rename the file (a shorter name, with fewer dots) and upload it again."
)


def _limit_message() -> str:
    return (
        f"This account may store {UPLOADS_PER_HOUR} files an hour from one network, "
        f"{UPLOADS_PER_ACCOUNT_PER_HOUR} from all its networks, and each stays in the "
        "bucket: nothing was saved. Try again in the next hour."
    )


def may_store(request) -> bool:
    """Count one upload of `request`'s user; whether it is within both bounds. An
    upload refused per client is not counted against the account."""
    user, hour = request.user, 3600
    who = ("uploads", f"{user.pk} {client_ip(request) or 'unknown'}")
    return throttle.hit(*who, limit=UPLOADS_PER_HOUR, window=hour) and throttle.hit(
        *account_uploads(user), limit=UPLOADS_PER_ACCOUNT_PER_HOUR, window=hour
    )


def _counted(request) -> bool:
    return request is not None and request.user.is_authenticated and not request.user.is_superuser


class MediaUploadFormMixin:
    """For ModelForms with file fields: store uploads during validation (see module doc)."""

    storage_error_message = STORAGE_ERROR_MESSAGE
    upload_request = None  # the request whose user and client uploads are counted

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

    def _post_clean(self):
        super()._post_clean()  # builds self.instance from cleaned_data
        self.stored_uploads = []  # what discard_stored_uploads() would delete
        if self._errors:
            return  # store nothing for a form that will be shown again anyway
        for field in self.instance._meta.concrete_fields:
            if not isinstance(field, models.FileField) or field.name not in self.cleaned_data:
                continue
            file = getattr(self.instance, field.attname)
            if not file or file._committed:
                continue  # no new upload in this field
            request = self.upload_request
            if _counted(request) and not may_store(request):
                self.add_error(field.name, _limit_message())
                continue
            try:
                # What FileField.pre_save would do inside save(), done now.
                file.save(file.name, file.file, save=False)
                self.stored_uploads.append(file)
            except versions.storage_errors():
                logger.exception("Storing upload %r for %s failed", file.name, field)
                self.add_error(field.name, self.storage_error_message)
            except SuspiciousFileOperation:
                # No name fits: Django shortens only what comes before a name's
                # first dot to fit the field's max_length (or the name is unsafe).
                self.add_error(field.name, NAME_ERROR_MESSAGE)


class MediaUploadForm(MediaUploadFormMixin, forms.ModelForm):
    """A ModelForm base with the mixin, e.g. for `ModelAdmin.form`."""
