"""Restore media files from the admin: a versions page, and the link a ModelAdmin adds.

The page lists every version of one file by its storage name and restores one by
copying it over the current version (`versions.restore(name, version_id)`): the
app's own credentials can do that, because it deletes nothing. A ModelAdmin plugs
in with one line:

    class ProductAdmin(MediaVersionsAdminMixin, admin.ModelAdmin): ...

which adds a "File versions" link for each file field on the change page and
uses `MediaUploadForm`, so a storage failure on upload is a form error.

Listing, downloading and restoring versions needs the `media.restore_media`
permission on top of staff status (config/media/models.py); without it the page is a
403 and the link is not shown. The permission names no file, so a file's page also
asks the admin of the rows that hold it (`holders`: a file field's value, on a model
whose ModelAdmin uses the mixin): staff must be allowed to view one to list and
download the versions, and to change each to restore one. A file no row holds (a
replaced avatar, a deleted product's picture: every upload has a key of its own)
is a superuser's only.

A restore stores a copy of the version as the newest one, which the app's keys
cannot delete, and leaves the version it copied to be copied again: it counts
against settings.MEDIA_UPLOAD_LIMIT, as an upload does, from the moment S3 has
written the copy (a 429 with the limit's error once it is reached, and its
`Retry-After` where the class gives one).
"""

import logging
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import models
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_http_methods

from config.media import versions
from config.media.forms import BUSY_MESSAGE, MediaUploadForm, limit_asked, upload_limit
from config.media.models import can_restore_media

logger = logging.getLogger(__name__)


def validate_storage_name(name: str) -> None:
    """Exactly one key of the bucket, as FileFields store them (versions.check_name)."""
    try:
        versions.check_name(name)
    except versions.InvalidName as error:
        raise ValidationError(str(error)) from None


class MediaFileForm(forms.Form):
    # Not stripped: " a.png" is another key than "a.png", never silently the same.
    name = forms.CharField(
        label="Storage name",
        strip=False,
        validators=[validate_storage_name],
        widget=forms.TextInput(attrs={"class": "media-versions-name"}),  # static/media/versions.css
    )


class RestoreForm(MediaFileForm):
    version_id = forms.CharField(max_length=1024, widget=forms.HiddenInput)


def versions_url(name: str) -> str:
    return reverse("admin-media-versions") + "?" + urlencode({"name": name})


def holders(name: str) -> list[tuple[admin.ModelAdmin, models.Model]]:
    """A row whose file field holds `name`, with its ModelAdmin, for each model whose
    admin (on the admin site) uses MediaVersionsAdminMixin and has one.

    The first row of a model speaks for all its rows: Django's permissions are the
    model's, and seeded products share their pictures by the thousand."""
    found = []
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, MediaVersionsAdminMixin):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                row = model._default_manager.filter(**{field.name: name}).first()
                if row is not None:
                    found.append((model_admin, row))
                    break
    return found


def allowed(request, name: str) -> tuple[bool, bool]:
    """Whether the user may list and download the versions of `name`, and whether they
    may restore one, which changes every row holding it (`holders`, looked up once)."""
    if request.user.is_superuser:
        return True, True
    found = holders(name)
    may_list = any(
        model_admin.has_view_or_change_permission(request, row) for model_admin, row in found
    )
    may_restore = bool(found) and all(
        model_admin.has_change_permission(request, row) for model_admin, row in found
    )
    return may_list, may_restore


@require_http_methods(["GET", "HEAD", "POST"])
def media_versions_view(request):
    """Staff only (wrapped by admin.site.admin_view in config/urls.py), and only those
    holding `media.restore_media` and allowed the rows holding the file (module doc):
    a file's versions are its past contents, and their links download them."""
    if not can_restore_media(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = RestoreForm(request.POST)
        if form.is_valid():
            name, version_id = form.cleaned_data["name"], form.cleaned_data["version_id"]
            if not allowed(request, name)[1]:
                raise PermissionDenied
            limit = upload_limit()
            with limit_asked(limit, request) as refusal:  # from the question to the count
                if refusal is None:
                    restored = _restore(request, form, limit, name, version_id)
                    if restored is not None:
                        return restored
            if refusal is not None:  # its page lists the versions: outside the turn
                form.add_error(None, refusal)
                refused = _page(request, form, status=429)
                seconds = BUSY_SECONDS if refusal == BUSY_MESSAGE else _retry_after(limit, request)
                if refused.status_code == 429 and seconds:  # not a 503 of the listing
                    refused["Retry-After"] = str(seconds)
                return refused
        return _page(request, form, status=400)
    # Bound once the form asked for a name: another parameter alone (a tracker's) is
    # the page as it opens, not a 400 for the missing name.
    form = MediaFileForm(request.GET if "name" in request.GET else None)
    return _page(request, form, status=400 if form.is_bound and not form.is_valid() else 200)


# Seconds a restore refused while another of the account's is stored may wait.
BUSY_SECONDS = 5


def _retry_after(limit, request) -> int | None:
    return getattr(limit, "retry_after", lambda request: None)(request)


def _restore(request, form, limit, name: str, version_id: str):
    """Restore `version_id` of `name` (in the account's turn): the answer, or None for
    the form shown again with its error (400)."""
    # Counted once the copy is written, whether or not its listing follows.
    counted = (lambda: limit.stored(request)) if limit is not None else None
    try:
        current = versions.restore(name, version_id, on_copied=counted)
    except versions.CopiedUnconfirmed as error:  # written: logged as a restore
        now = (
            f"{error.version_id}, not confirmed current"
            if error.version_id
            else "unknown: a copy may have been written"
        )
        _log_restore(request, name, version_id, now)
        form.add_error(None, str(error))
    except versions.MediaError as error:
        form.add_error(None, str(error))
    except versions.storage_errors() as error:
        # Refused (a 4xx) or unanswered before S3 wrote a copy: CopiedUnconfirmed is
        # every other case. Not "could not be read": the copy may be what S3 refused.
        return _page(request, form, error=error, failed=RESTORE_FAILED)
    else:
        _log_restore(request, name, version_id, current.version_id)
        messages.success(request, f"Restored {name} from version {version_id}.")
        return redirect(versions_url(name))


# The newest versions the page lists. A history only grows (each restore is a version,
# and the lifecycle rule keeps non-current ones for days): 4,000 of one key took 4.4 s
# and 4 MB to list, sign and render; `manage.py media_versions` lists them all.
VERSIONS_SHOWN = 100


def _log_restore(request, name: str, version_id: str, now: str) -> None:
    """Every copy S3 wrote: a version the app's keys never delete."""
    logger.info(
        "%s restored media file %r from version %s (now version %s)",
        request.user.get_username(),
        name,
        version_id,
        now,
    )


RESTORE_FAILED = "The restore failed, and nothing was copied"


def _page(request, form, *, status=200, error=None, failed=None):
    """The page: the form, and the versions of the file it names when it names one.

    Asked here, for every answer that names a file: a POST whose version id was
    refused still showed the versions of its valid name."""
    name = getattr(form, "cleaned_data", {}).get("name")
    may_list, restores = allowed(request, name) if name else (False, False)
    # Refused, and said why: a link to this page led here before the picture was replaced.
    refused = name if name and not may_list else None
    if refused:
        name, status, error = None, 403, None
    rows, more, unversioned = [], False, None
    if name and error is None:
        try:
            listed = versions.list_versions(name, limit=VERSIONS_SHOWN + 1)
            unversioned = versions.unversioned_note(listed)
            more = len(listed) > VERSIONS_SHOWN
            rows = [
                {
                    "version": version,
                    "url": None
                    if version.is_delete_marker
                    else default_storage.url(name, {"VersionId": version.version_id}),
                    "restorable": restores
                    and not version.is_delete_marker
                    and not version.is_latest,
                }
                for version in listed[:VERSIONS_SHOWN]
            ]
        except versions.InvalidName as invalid:  # too long once the storage's location is added
            form.add_error("name", str(invalid))
            name, status = None, 400
        except (versions.MediaError, *versions.storage_errors()) as caught:
            error = caught
    if error is not None:
        logger.warning("Media versions of %r unavailable: %s", name, error)
        status = 503
        if not isinstance(error, versions.MediaError):  # logged above, shown less
            error = versions.STORAGE_ERROR_SHOWN
    context = {
        "title": "Media file versions",
        "form": form,
        "name": name,
        "rows": rows,
        "shown": VERSIONS_SHOWN if more else None,
        "refused": refused,
        "unversioned": unversioned,
    }
    return render(
        request,
        "admin/media_versions.html",
        {**admin.site.each_context(request), **context, "error": error, "failed": failed},
        status=status,
    )


def media_versions_link(file) -> str:
    """A link to the versions page of one file field's value ('-' when empty)."""
    if not file:
        return "-"
    return format_html('<a href="{}">Versions of {}</a>', versions_url(file.name), file.name)


def _without_link(fields) -> list:
    """`fields` of a fieldset without "media_versions"; a line it leaves empty goes too."""
    kept = []
    for entry in fields:
        if isinstance(entry, list | tuple):
            entry = tuple(name for name in entry if name != "media_versions")
            if entry:
                kept.append(entry)
        elif entry != "media_versions":
            kept.append(entry)
    return kept


class DiscardsUnsavedUploadsMixin:
    """For a ModelAdmin whose page holds upload forms (its own, or an inline's): a page
    shown again after a POST (an error anywhere on it) saved nothing, so the files
    its forms stored are deleted (MediaUploadFormMixin.discard_stored_uploads). The
    browser empties a file input on a page shown again: every retry stored another."""

    def render_change_form(self, request, context, *args, **kwargs):
        if request.method == "POST":
            forms_shown = [context["adminform"].form] + [
                form
                for inline in context.get("inline_admin_formsets", [])
                for form in inline.formset.forms
            ]
            for form in forms_shown:
                if hasattr(form, "discard_stored_uploads"):
                    form.discard_stored_uploads()
        return super().render_change_form(request, context, *args, **kwargs)


class MediaVersionsAdminMixin(DiscardsUnsavedUploadsMixin):
    """One line in a ModelAdmin: versions links for its file fields, safe uploads."""

    form = MediaUploadForm

    # The form classes these return are made for this request: its uploads are counted
    # (MediaUploadFormMixin.upload_request, settings.MEDIA_UPLOAD_LIMIT).
    def get_form(self, request, obj=None, **kwargs):  # a ModelAdmin's
        form = super().get_form(request, obj, **kwargs)
        form.upload_request = request
        return form

    def get_formset(self, request, obj=None, **kwargs):  # an inline's
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.upload_request = request
        return formset

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is None or not can_restore_media(request.user):
            return fields  # no link to a page that would answer 403
        return [*fields, "media_versions"]

    def get_fieldsets(self, request, obj=None):
        """Without the link, drop it from `fields`/`fieldsets` that name it, alone or
        on a line with other fields (the form would take it for a model field)."""
        fieldsets = super().get_fieldsets(request, obj)
        if "media_versions" in self.get_readonly_fields(request, obj):
            return fieldsets
        return [
            (title, {**options, "fields": _without_link(options["fields"])})
            for title, options in fieldsets
        ]

    @admin.display(description="File versions")
    def media_versions(self, obj):
        links = [
            (media_versions_link(getattr(obj, field.attname)),)
            for field in obj._meta.concrete_fields
            if isinstance(field, models.FileField)
        ]
        return format_html_join(", ", "{}", links)
