"""Versioned media: uploads on an S3 bucket with versioning on, so a delete can be undone.

An installed app (`config.media`, label `media`) that depends on Django,
django-storages, boto3 and Pillow. Its public API:

- `storage.media_storage(bucket, ...)` / `storage.static_storage(bucket, ...)`: the
  `STORAGES` entries for the versioned media bucket and a plain static bucket.
- `versions`: `list_versions(name)`, `restore(name, version_id=None)` (undelete, or
  roll back to a version), `versioning_status()`, `unversioned_note()`, `set_versioning()`,
  `put_lifecycle()`, `check_name()`; errors `MediaError`, `storage_errors()`.
- `admin.MediaVersionsAdminMixin` (a "File versions" link on a ModelAdmin) and the
  versions page, `urls` (include before the admin's URLs); restoring needs the
  `media.restore_media` permission (`models`). A file an object's field held until a
  form replaced or cleared it is recorded (`models.EarlierFile`), listed on the
  object's page and can be used again from its versions page.
- `uploads.ImageUploadField`: an ImageField checked by content (JPEG, PNG, WebP,
  GIF; camera formats included) and stored without metadata (`reencode`).
- `forms.MediaUploadFormMixin`: a storage failure becomes a form error, not a 500;
  stored uploads may be bounded (settings.MEDIA_UPLOAD_LIMIT, `upload_request`).
- `checks`: `check --deploy` warns when media is not on a versioned bucket.
- Commands: `media_versioning`, `media_lifecycle`, `media_versions`, `media_restore`.
- `tour`: the /tour/s3-media/ page (needs the site's tour templates).

Settings lines: docs/s3-media.md, "Use it in your project".
"""
