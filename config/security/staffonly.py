"""Staff-only pages outside the admin: a 404 for anyone else, never a redirect.

Django's `staff_member_required` sends everyone else to the admin's login page,
which tells an anonymous visitor where the admin lives: exactly what a custom
`ADMIN_URL` is meant to keep to itself. `staff_only` answers 404 instead, for
every method, as if the page did not exist. Pages under ADMIN_URL keep the
admin's own behaviour (`admin.site.admin_view`): whoever asks there knows the path.

    @staff_only
    def sentry_check(request): ...

    class TourView(TemplateView):
        @method_decorator(staff_only)
        def post(self, request): ...
"""

from functools import wraps

from django.http import Http404


def is_staff(user) -> bool:
    """What the admin itself checks: an active staff member."""
    return user.is_active and user.is_staff


def staff_only(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_staff(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
