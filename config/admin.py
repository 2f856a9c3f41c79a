"""The platform's admin: django-axes' list of counted login failures, with its
clean-up action mended.

django-axes' "Clean up expired attempts" reads the time its handler sets on a
request during a login (`axes_attempt_time`), which an admin request never went
through: every click was a 500, and a Sentry event. It was offered to staff who
may only look at the list, too; it deletes rows, so it now needs the delete
permission. (`config` comes after `axes` in INSTALLED_APPS: its admin is loaded
first, and replaced here.)
"""

from axes.admin import AccessAttemptAdmin
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.contrib import admin


class LockoutAttemptAdmin(AccessAttemptAdmin):
    @admin.action(description="Clean up expired attempts", permissions=["delete"])
    def cleanup_expired_attempts(self, request, queryset):
        AxesProxyHandler.update_request(request)  # the attempt time, as a login sets it
        return super().cleanup_expired_attempts(request, queryset)


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, LockoutAttemptAdmin)
