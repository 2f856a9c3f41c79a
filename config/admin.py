"""The platform's admin: django-axes' records of logins and login failures, for
staff who may see users, with the clean-up action mended.

Each record names the username a login gave (a password typed into the username
box too) and the address it came from: the pages are for staff who may view or
change users (`sees_usernames`), as usernames are everywhere else in the admin,
whatever axes' own permissions they hold. Superusers hold both.

django-axes' "Clean up expired attempts" reads the time its handler sets on a
request during a login (`axes_attempt_time`), which an admin request never went
through: every click was a 500, and a Sentry event. It was offered to staff who
may only look at the list, too; it deletes rows, so it now needs the delete
permission. (`config` comes after `axes` in INSTALLED_APPS: its admin is loaded
first, and replaced here.)
"""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin

from config.adminsaves import ConflictsShownOnTheFormMixin
from config.security.staffonly import sees_usernames


class UsernamesSeenOnlyMixin(ConflictsShownOnTheFormMixin):
    """No page, list or action of the model for staff who may not see usernames
    (and, as every admin here, a lost race on its form: config/adminsaves.py)."""

    def has_module_permission(self, request):
        return sees_usernames(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return sees_usernames(request) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return sees_usernames(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return sees_usernames(request) and super().has_delete_permission(request, obj)


class LockoutAttemptAdmin(UsernamesSeenOnlyMixin, AccessAttemptAdmin):
    @admin.action(description="Clean up expired attempts", permissions=["delete"])
    def cleanup_expired_attempts(self, request, queryset):
        AxesProxyHandler.update_request(request)  # the attempt time, as a login sets it
        return super().cleanup_expired_attempts(request, queryset)

    # It cleans every expired attempt, whichever rows are selected: it runs when those
    # are gone too (config/adminsaves.py).
    cleanup_expired_attempts.acts_on_selection = False


class LoginLogAdmin(UsernamesSeenOnlyMixin, AccessLogAdmin):
    pass


class LoginFailureLogAdmin(UsernamesSeenOnlyMixin, AccessFailureLogAdmin):
    pass


for model, model_admin in (
    (AccessAttempt, LockoutAttemptAdmin),
    (AccessLog, LoginLogAdmin),
    (AccessFailureLog, LoginFailureLogAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
        admin.site.register(model, model_admin)
