"""The permission to list, download and restore media versions, and who holds it;
the earlier files of an object's file fields.

Django attaches permissions to a model's content type, and versioned media have
no rows of their own, so `MediaFile` is a model without a table (unmanaged, never
queried) that only carries `media.restore_media`. Superusers hold it; an admin
gives it to staff members or groups on their admin page ("Media | media file |
Can list, download and restore media versions").
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

RESTORE_MEDIA = "media.restore_media"


class NoRows(models.Manager):
    """Every query of a model without a table: empty, and sent to no database."""

    def get_queryset(self):
        return super().get_queryset().none()


class MediaFile(models.Model):
    """The holder of `media.restore_media`; no table, no rows (see module docstring)."""

    # Also the manager Django looks objects up with by content type (the admin's
    # "view on site" URL, /admin/r/<type>/<id>/, open to all staff): a 404, where
    # a query of the missing table was a 500.
    objects = NoRows()

    class Meta:
        managed = False
        base_manager_name = "objects"
        default_permissions = ()  # no add/change/delete/view: there is nothing to edit
        permissions = [("restore_media", "Can list, download and restore media versions")]

    def __str__(self):
        return "media file"


def can_restore_media(user) -> bool:
    """Active staff holding the permission: the admin's own test, plus the permission.

    Staff status is needed as for every admin page; the permission on its own would
    not open the admin, and staff status alone must not open every user's files.
    """
    return user.is_active and user.is_staff and user.has_perm(RESTORE_MEDIA)


class EarlierFile(models.Model):
    """A file an object's file field held until a form replaced or cleared it.

    Every upload gets a key of its own, so a replaced picture stays current in the
    bucket under a name no row holds any more: without this record nobody could
    find it again, or undo the change (config/media/forms.py writes it, in the
    save's transaction; config/media/admin.py lists it and uses it again). An
    object deleted since leaves its rows here, naming no holder.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=255)  # any primary key, as the admin's history
    field_name = models.CharField(max_length=255)
    name = models.CharField(max_length=1024)  # the storage name: at most S3's key length
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        default_permissions = ()  # written by forms, read by the versions page: no admin
        indexes = [
            # An object's field, newest first (its change page); a name's holders.
            models.Index(
                fields=["content_type", "object_id", "field_name", "-recorded_at"],
                name="media_earlier_holder",
            ),
            models.Index(fields=["name"], name="media_earlier_name"),
        ]

    def __str__(self):
        return self.name
