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
download the versions, and to change each to restore one. A name a row's field held
earlier (`EarlierFile`, recorded by the upload forms when a save replaced or
cleared it) counts as held by that row for listing and downloading, so staff who
may change a product see and use its earlier pictures again while they are
current ("Use this file again", `_use_again`); restoring a file no row holds now
is a superuser's, as is every file no row holds now or earlier (a deleted
product's picture: every upload has a key of its own).

A restore stores a copy of the version as the newest one, which the app's keys
cannot delete, and leaves the version it copied to be copied again: it counts
against settings.MEDIA_UPLOAD_LIMIT, as an upload does, from the moment S3 has
written the copy (a 429 with the limit's error once it is reached, and its
`Retry-After` where the class gives one).
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import models, router, transaction
from django.db.models import Max
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.views.decorators.http import require_http_methods

from config.media import versions
from config.media.forms import BUSY_MESSAGE, MediaUploadForm, limit_asked, upload_limit
from config.media.models import EarlierFile, can_restore_media

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


class UseAgainForm(MediaFileForm):
    """The earlier file `name` put back into the field of the object that held it."""

    content_type = forms.IntegerField(label="Its holder's type", widget=forms.HiddenInput)
    object_id = forms.CharField(label="Its holder", max_length=255, widget=forms.HiddenInput)
    field = forms.CharField(label="Its holder's field", max_length=255, widget=forms.HiddenInput)


def versions_url(name: str) -> str:
    return reverse("admin-media-versions") + "?" + urlencode({"name": name})


# The earlier files an object's change page lists for one field, the newest.
EARLIER_SHOWN = 10
# The objects that held a file earlier its versions page asks about and lists, the
# newest: a seeded picture replaced on many products was held by each.
EARLIER_HOLDERS = 20


@dataclass(frozen=True)
class Earlier:
    """An object whose file field held a name until a save replaced or cleared it."""

    model_admin: admin.ModelAdmin
    field: models.FileField
    object_id: str
    until: datetime  # when the newest save that replaced or cleared it ran
    row: models.Model | None  # None: deleted since

    @property
    def content_type(self) -> ContentType:
        return ContentType.objects.get_for_model(self.model_admin.model)


def earlier_holders(name: str) -> tuple[list[Earlier], bool]:
    """The newest EARLIER_HOLDERS objects whose field held `name` earlier, on models
    whose admin uses MediaVersionsAdminMixin, newest first; and whether there were
    more. One query for the records, one per model for its rows."""
    records = list(_records(EarlierFile.objects.filter(name=name))[: EARLIER_HOLDERS + 1])
    return _earlier(records[:EARLIER_HOLDERS]), len(records) > EARLIER_HOLDERS


def earlier_holder(name: str, content_type: int, object_id: str, field: str) -> Earlier | None:
    """The object of `content_type` and `object_id` whose `field` held `name` earlier,
    if a record says so, however many others held it after."""
    records = EarlierFile.objects.filter(
        name=name, content_type_id=content_type, object_id=object_id, field_name=field
    )
    found = _earlier(list(_records(records)[:1]))
    return found[0] if found else None


def _records(records):
    """Each object's field once, with the time of the newest save that left it."""
    return (
        records.values("content_type_id", "object_id", "field_name")
        .annotate(until=Max("recorded_at"), last=Max("pk"))
        .order_by("-until", "-last")
    )


def _earlier(records: list[dict]) -> list[Earlier]:
    admins = {
        model: model_admin
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, MediaVersionsAdminMixin)
    }
    kinds = ContentType.objects.get_for_models(*admins)  # cached after the first
    by_kind = {kinds[model].pk: model_admin for model, model_admin in admins.items()}
    found = []
    for record in records:
        model_admin = by_kind.get(record["content_type_id"])
        if model_admin is None:
            continue  # not (or no longer) on the admin with the mixin
        model = model_admin.model
        try:
            field = model._meta.get_field(record["field_name"])
        except FieldDoesNotExist:  # removed from the model since
            continue
        if isinstance(field, models.FileField):
            found.append((model_admin, field, record["object_id"], record["until"]))
    ids = defaultdict(set)
    for model_admin, _, object_id, _ in found:
        ids[model_admin.model].add(object_id)
    rows = {
        (model, str(row.pk)): row
        for model, wanted in ids.items()
        for row in model._default_manager.filter(pk__in=wanted)
    }
    return [
        Earlier(model_admin, field, object_id, until, rows.get((model_admin.model, object_id)))
        for model_admin, field, object_id, until in found
    ]


def holders(name: str) -> list[tuple[admin.ModelAdmin, models.Model]]:
    """A row whose file field holds `name` now, with its ModelAdmin, for each model
    whose admin (on the admin site) uses MediaVersionsAdminMixin and has one.

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


def allowed(request, name: str, earlier: list[Earlier] | None = None) -> tuple[bool, bool]:
    """Whether the user may list and download the versions of `name`, and whether they
    may restore one, which changes every row holding it now (`holders`).

    Listing and downloading need the view permission on a row that holds it now or
    held it earlier (`earlier`, else looked up). Restoring needs the change
    permission on each row holding it now: a file no row holds now (replaced,
    cleared, its object deleted) is a superuser's to restore, as a superuser or an
    operator who took a picture down may have deleted it on purpose; staff who
    may change its earlier holder use it again once it is current."""
    if request.user.is_superuser:
        return True, True
    if earlier is None:
        earlier = earlier_holders(name)[0]
    now = holders(name)
    before = [(held.model_admin, held.row) for held in earlier if held.row is not None]
    may_list = any(
        model_admin.has_view_or_change_permission(request, row)
        for model_admin, row in [*now, *before]
    )
    may_restore = bool(now) and all(
        model_admin.has_change_permission(request, row) for model_admin, row in now
    )
    return may_list, may_restore


@require_http_methods(["GET", "HEAD", "POST"])
def media_versions_view(request):
    """Staff only (wrapped by admin.site.admin_view in config/urls.py), and only those
    holding `media.restore_media` and allowed the rows holding the file (module doc):
    a file's versions are its past contents, and their links download them."""
    if not can_restore_media(request.user):
        raise PermissionDenied
    if request.method == "POST" and "use_again" in request.POST:
        return _use_again(request, UseAgainForm(request.POST))
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
                return _refused(request, form, limit, refusal)
        return _page(request, form, status=400)
    # Bound once the form asked for a name: another parameter alone (a tracker's) is
    # the page as it opens, not a 400 for the missing name.
    form = MediaFileForm(request.GET if "name" in request.GET else None)
    return _page(request, form, status=400 if form.is_bound and not form.is_valid() else 200)


# Seconds a restore refused while another of the account's is stored may wait.
BUSY_SECONDS = 5


def _refused(request, form, limit, refusal: str):
    """The page with the upload limit's `refusal` of a restore or a use again: a 429,
    with Retry-After."""
    form.add_error(None, refusal)
    refused = _page(request, form, status=429)
    seconds = BUSY_SECONDS if refusal == BUSY_MESSAGE else _retry_after(limit, request)
    if refused.status_code == 429 and seconds:  # not a 503 of the listing
        refused["Retry-After"] = str(seconds)
    return refused


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
USE_AGAIN_FAILED = "The file could not be used again, and nothing was changed"
NOT_CURRENT = "{name} is not current in the bucket any more (deleted since)"


def not_current(request, name: str) -> str:
    """Why `name` cannot be used again, and what brings it back that this user can do:
    a restore is not everyone's (`allowed`)."""
    if allowed(request, name)[1]:
        return NOT_CURRENT.format(name=name) + (
            ": restore a version of it below first, then use it again."
        )
    return NOT_CURRENT.format(name=name) + (
        ", and restoring it is not yours to do: ask a superuser to restore a version of "
        "it, then use it again."
    )


def may_use(request, held: Earlier) -> bool:
    """Whether the user may put the earlier file back into `held`'s field: change
    the row, that field included (a product's picture alone, for the demo's staff)."""
    return (
        held.row is not None
        and held.model_admin.has_change_permission(request, held.row)
        and held.field.name not in held.model_admin.get_readonly_fields(request, held.row)
    )


def change_url(model_admin, row) -> str:
    opts = model_admin.model._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_change",
        args=[quote(row.pk)],
        current_app=model_admin.admin_site.name,
    )


def _use_again(request, form):
    """Put the earlier file `name` back into the field of the row that held it ("Use
    this file again"), which needs that row's change permission and counts against the
    upload limit as a restore does (the demo's shared staff login changes no picture
    uncounted). Refused when no record says the row's field held it, the row is gone,
    the field holds it already, or the file is not current in the bucket any more."""
    if not form.is_valid():
        return _page(request, form, status=400)
    name, data = form.cleaned_data["name"], form.cleaned_data
    # Looked up itself: a file held by more objects than the page lists (a seeded
    # picture) was "no earlier file" of the older ones.
    held = earlier_holder(name, data["content_type"], data["object_id"], data["field"])
    if (held is None or held.row is None) and not allowed(request, name)[0]:
        raise PermissionDenied
    if held is None:
        form.add_error(None, f"{name} is no earlier file of that object's field.")
        return _page(request, form, status=400)
    if held.row is None:
        form.add_error(
            None,
            f"The {held.model_admin.opts.verbose_name} that held {name} is gone "
            "(deleted since): there is nothing to put it back into.",
        )
        return _page(request, form, status=404)
    if not may_use(request, held):
        raise PermissionDenied
    limit = upload_limit()
    with limit_asked(limit, request) as refusal:  # from the question to the count
        if refusal is None:
            return _put_back(request, form, limit, held, name)
    return _refused(request, form, limit, refusal)


class _Refusal(Exception):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def _put_back(request, form, limit, held: Earlier, name: str):
    """Put `name` back into `held`'s field (in the account's turn), record what the
    field held as an earlier file, and log it as a change of the row."""
    model, field = held.model_admin.model, held.field
    try:
        with transaction.atomic(using=router.db_for_write(model)):
            row = model._base_manager.select_for_update().filter(pk=held.row.pk).first()
            if row is None:
                raise _Refusal(f"The {model._meta.verbose_name} that held {name} is gone.", 404)
            previous = getattr(row, field.attname).name or ""
            if previous == name:
                raise _Refusal(f"{row}'s {field.verbose_name} holds {name} already.", 409)
            if not default_storage.exists(name):
                raise _Refusal(not_current(request, name), 409)
            setattr(row, field.attname, name)  # an image field measures it: a GET of the file
            row.save(update_fields=_written(row, field))
            if previous:
                EarlierFile.objects.create(
                    content_type=held.content_type,
                    object_id=held.object_id,
                    field_name=field.name,
                    name=previous,
                    recorded_by=request.user,
                )
            held.model_admin.log_change(
                request,
                row,
                f"Used the earlier file {name} again for {capfirst(field.verbose_name)} "
                f"(replacing {previous or 'no file'}).",
            )
    except _Refusal as refusal:
        form.add_error(None, str(refusal))
        return _page(request, form, status=refusal.status)
    except versions.storage_errors() as error:
        return _page(request, form, error=error, failed=USE_AGAIN_FAILED)
    if limit is not None:
        limit.stored(request)
    logger.info(
        "%s used media file %r again for %s %s %s (replacing %r)",
        request.user.get_username(),
        name,
        model._meta.label_lower,
        held.object_id,
        field.name,
        previous,
    )
    messages.success(request, f"{capfirst(str(row))}: {field.verbose_name} is {name} again.")
    return redirect(change_url(held.model_admin, row))


def _written(row, field) -> list[str]:
    """The columns putting a file back changes: the field, an image's size, and what
    changes on every save (`auto_now`)."""
    sizes = [getattr(field, "width_field", None), getattr(field, "height_field", None)]
    stamped = [f.name for f in row._meta.concrete_fields if getattr(f, "auto_now", False)]
    return [field.name, *filter(None, sizes), *stamped]


def _page(request, form, *, status=200, error=None, failed=None):
    """The page: the form, and the versions of the file it names when it names one.

    Asked here, for every answer that names a file: a POST whose version id was
    refused still showed the versions of its valid name."""
    name = getattr(form, "cleaned_data", {}).get("name")
    earlier, more_earlier = earlier_holders(name) if name else ([], False)
    may_list, restores = allowed(request, name, earlier) if name else (False, False)
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
    current = (
        bool(rows) and rows[0]["version"].is_latest and not rows[0]["version"].is_delete_marker
    )
    held = _held_shown(request, name, earlier, current) if name and error is None else []
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
        "held": held,
        "more_held": more_earlier and bool(held),
    }
    return render(
        request,
        "admin/media_versions.html",
        {**admin.site.each_context(request), **context, "error": error, "failed": failed},
        status=status,
    )


def _held_shown(request, name: str, earlier: list[Earlier], current: bool) -> list[dict]:
    """The objects that held `name` earlier that the user may see (a superuser: those
    deleted since too), each with its "Use this file again" form if the user may use
    it, or why not."""
    shown, why_not_current = [], None
    for held in earlier:
        seen = held.row is not None and held.model_admin.has_view_or_change_permission(
            request, held.row
        )
        if not (seen or request.user.is_superuser):
            continue
        usable, why = False, None
        if held.row is None:
            why = "deleted since"
        elif getattr(held.row, held.field.attname).name == name:
            why = "holds it now"
        elif may_use(request, held):
            usable = current
            if not current:
                why = why_not_current = why_not_current or not_current(request, name)
        shown.append(
            {
                "held": held,
                "label": f"{held.model_admin.opts.verbose_name} {held.row or held.object_id}",
                "url": change_url(held.model_admin, held.row) if seen else None,
                "usable": usable,
                "why": why,
            }
        )
    return shown


def earlier_files(obj, field) -> tuple[list[dict], bool]:
    """The names `obj`'s `field` held before, newest first, but the one it holds now:
    EARLIER_SHOWN of them, and whether there were more."""
    current = getattr(obj, field.attname).name or ""
    found = list(
        EarlierFile.objects.filter(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            field_name=field.name,
        )
        .exclude(name=current)
        .values("name")
        .annotate(until=Max("recorded_at"), last=Max("pk"))
        .order_by("-until", "-last")[: EARLIER_SHOWN + 1]
    )
    return found[:EARLIER_SHOWN], len(found) > EARLIER_SHOWN


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
        """Each file field's link, and the links of the files it held earlier (a
        picture replaced or cleared by mistake: its page can use it again)."""
        links = []
        for field in obj._meta.concrete_fields:
            if not isinstance(field, models.FileField):
                continue
            link = media_versions_link(getattr(obj, field.attname))
            earlier, more = earlier_files(obj, field)
            if earlier:
                listed = format_html_join(
                    ", ",
                    '<a href="{}">{}</a> (until {} UTC)',
                    (
                        (
                            versions_url(e["name"]),
                            e["name"],
                            f"{e['until'].astimezone(UTC):%Y-%m-%d %H:%M}",
                        )
                        for e in earlier
                    ),
                )
                left_out = "; older ones are left out" if more else ""
                link = format_html(
                    "{}<br>Earlier files of {}, newest first: {}{}",
                    link,
                    field.verbose_name,
                    listed,
                    left_out,
                )
            links.append((link,))
        return format_html_join(", ", "{}", links)
