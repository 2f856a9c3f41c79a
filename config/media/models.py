"""The permission to list, download and restore media versions, and who holds it.

Django attaches permissions to a model's content type, and versioned media have
no rows of their own, so `MediaFile` is a model without a table (unmanaged, never
queried) that only carries `media.restore_media`. Superusers hold it; an admin
gives it to staff members or groups on their admin page ("Media | media file |
Can list, download and restore media versions").
"""

from django.db import models

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
