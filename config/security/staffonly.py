"""Staff-only pages outside the admin: a 404 for anyone else, never a redirect; other
accounts' usernames only for staff who may see users; the admin's "view on site"
shortcut for only the staff its model's admin serves; its history and delete pages
checked before they say whether an object exists; and delete pages naming only the
related objects their reader may see.

Django's `staff_member_required` sends everyone else to the admin's login page,
which tells an anonymous visitor where the admin lives: exactly what a custom
`ADMIN_URL` is meant to keep to itself. `staff_only` answers 404 instead, for
every method, as if the page did not exist. Pages under ADMIN_URL keep the
admin's own behaviour (`admin.site.admin_view`): whoever asks there knows the path.

    @staff_only
    def stock_report(request): ...

    @superuser_only
    def sentry_check(request): ...

    class TourView(TemplateView):
        @method_decorator(staff_only)
        def post(self, request): ...
"""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.utils import NestedObjects, quote, unquote
from django.contrib.auth import get_permission_codename
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import router
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst

from config.security.headers import wrap_views


def is_staff(user) -> bool:
    """What the admin itself checks: an active staff member."""
    return user.is_active and user.is_staff


def sees_usernames(request) -> bool:
    """Whether the admin shows `request`'s staff member other accounts' usernames:
    only where they may view or change users, as on the users' own pages (and the
    history pages, templates/admin/object_history.html). A username is half of a
    login."""
    return request.user.has_perm("auth.view_user") or request.user.has_perm("auth.change_user")


def staff_only(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_staff(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def superuser_only(view):
    """`staff_only`, for superusers alone: a page no permission could grant."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not (request.user.is_active and request.user.is_superuser):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def view_on_site(request, content_type_id, object_id):
    """The admin's "view on site" shortcut (`/admin/r/<type>/<id>/`), for staff whose
    admin of that model shows them the object; a 404 for other staff.

    Django's shortcut looks the object up through the model's base manager and
    redirects to its page for any staff member: counting ids up, staff without a
    single permission learnt which unpublished products exist, and their slugs.
    Here the model's registered ModelAdmin decides, as on its change page: its
    queryset must hold the object, its view or change permission allow it, and it
    must show the link (an unpublished product has no page).
    """
    try:
        model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
    # An id past the column's range never reaches the database (DoesNotExist).
    # A database error is not the visitor's: an outage or a cancelled statement
    # is the 503 page (config/views.py), as on every page.
    except (ValueError, OverflowError, ContentType.DoesNotExist):
        raise Http404 from None
    model_admin = admin.site._registry.get(model)
    if model_admin is None:
        raise Http404
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None or not model_admin.has_view_or_change_permission(request, obj):
        raise Http404
    if model_admin.get_view_on_site_url(obj) is None:
        raise Http404
    return contenttype_views.shortcut(request, content_type_id, object_id)


def with_object_pages_checked(urls):
    """`urls` (`admin.site.urls`) with each model's history and delete pages answering
    staff its model's admin does not show the object (neither its view nor its change
    permission allows it) 403, whether or not the object exists, in place
    (config.security.headers.wrap_views).

    Django's history view redirects to the admin's index for a missing object
    before it checks permission, and answers 403 for an existing one: staff without
    a single permission could count ids and learn which exist (unpublished
    products, users). Its delete view checks the delete permission alone, then does
    the same, and shows an existing object's name and what goes with it: staff
    holding `delete_<model>` and nothing else, who see no list of them, read which
    usernames exist. The change page checks view or change first; so do these.
    """

    def wrap(pattern):
        checked = (pattern.name or "").endswith(("_history", "_delete"))
        if checked and hasattr(pattern.callback, "model_admin"):
            return _checked_first(pattern.callback)
        return pattern.callback

    return wrap_views(urls, wrap)


def _checked_first(view):
    model_admin = view.model_admin

    @wraps(view)
    def checked(request, object_id, *args, **kwargs):
        # Anyone the admin does not let in is sent to its login page by the view.
        if model_admin.admin_site.has_permission(request):
            obj = model_admin.get_object(request, unquote(object_id))
            if not model_admin.has_view_or_change_permission(request, obj):
                raise PermissionDenied
        return view(request, object_id, *args, **kwargs)

    return checked


class DeletedObjectsNamedIfSeenMixin:
    """For a ModelAdmin: its delete page, and its list's delete action, name each
    object the delete would take with it, or that stops it, only where the staff
    member may view or change it (by its admin, or by its model's permissions where
    it has no admin of its own: a product's features, the admin's log entries); any
    other shows as its kind and number ("Product #12"). Its count by kind stays.

    Django's page named them all, with a link to each: staff who may view and
    delete categories, and delete products without viewing them, read the names
    of the products that keep one (a PROTECT foreign key), unpublished ones
    included. And only what the delete would take asks for its delete permission:
    Django asked it of the products that stop a category's delete too, and told
    staff without it that they lacked it, where granting it changed nothing but
    the message. The rest is Django's `get_deleted_objects`: the same objects,
    order, links and permissions asked.
    """

    def get_deleted_objects(self, objs, request):
        try:
            first = objs[0]
        except IndexError:
            return [], {}, set(), []
        collector = NestedObjects(using=router.db_for_write(first._meta.model), origin=objs)
        collector.collect(objs)
        perms_needed = set()
        site = self.admin_site

        def shown(obj, deleted=True):
            opts, kind = obj._meta, capfirst(obj._meta.verbose_name)
            if not site.is_registered(type(obj)):
                # Edited inline (a product's features) or without an admin (the admin's
                # log, whose entries name what they changed): by the model's permissions.
                may = any(
                    request.user.has_perm(f"{opts.app_label}.{get_permission_codename(a, opts)}")
                    for a in ("view", "change")
                )
                return f"{kind}: {obj}" if may else f"{kind} #{obj.pk}"
            model_admin = site.get_model_admin(type(obj))
            if deleted and not model_admin.has_delete_permission(request, obj):
                perms_needed.add(opts.verbose_name)
            if not model_admin.has_view_or_change_permission(request, obj):
                return f"{kind} #{obj.pk}"
            try:
                url = reverse(
                    f"{site.name}:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)]
                )
            except NoReverseMatch:
                return f"{kind}: {obj}"
            return format_html('{}: <a href="{}">{}</a>', kind, url, obj)

        to_delete = collector.nested(shown)
        protected = [shown(obj, deleted=False) for obj in collector.protected]
        model_count = {
            model._meta.verbose_name_plural: len(found)
            for model, found in collector.model_objs.items()
        }
        return to_delete, model_count, perms_needed, protected
