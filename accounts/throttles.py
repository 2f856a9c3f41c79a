"""The limits on signup, password reset and failed logins per account, counted in
config/security/throttle.py's shared store.

A client is what config.security.client_ip returns: an IPv4 address or an IPv6
/64. Only forms that passed their checks count, and a signup's taken username: a
typo costs nothing.

- Signup: 10 accounts an hour per client; beyond, the 429 page. And 20 answers
  "that username is taken" an hour per client (the other half of a login, which
  the site shows nowhere else); beyond, every signup from the client is the 429
  page, so no answer tells a taken name from a free one.
- Password reset: 5 requests an hour per e-mail address, from anywhere, and 20
  per client. Beyond either, the visitor sees the usual "check your inbox" page
  (so the limit reveals nothing about the address) and no mail leaves.
- Login: 30 failed logins an hour per account, from any clients; then every
  login to that account answers the 429 page until the hour ends, or until a
  password reset (`clear_login_failures`). django-axes' lockout is per username
  and client; this bounds an attacker who has many networks. Not the demo's
  shared logins (accounts/demo_accounts.py): anyone could shut every visitor out.
- Login, per client: 100 failed logins an hour, whatever the usernames; then
  every login from that client answers the 429 page until the hour ends. Each
  failure costs a password hash (about half a second of CPU), made-up usernames
  included, and the two bounds above are keyed by the username the client
  chooses: a new one each time met neither.
- Password change (the site's form and the admin's): 10 wrong current
  passwords an hour per account; then the form says so, checking no password,
  until the hour ends.
"""

from django.core.exceptions import PermissionDenied

from accounts.addresses import written
from accounts.demo_accounts import names_a_shared_login
from config.security import client_ip, throttle

HOUR = 3600
SIGNUPS_PER_CLIENT = 10
TAKEN_USERNAMES_PER_CLIENT = 20
RESETS_PER_ADDRESS = 5
RESETS_PER_CLIENT = 20
LOGIN_FAILURES_PER_ACCOUNT = 30
LOGIN_FAILURES_PER_CLIENT = 100
PASSWORD_CHANGE_FAILURES_PER_ACCOUNT = 10


def client(request) -> str:
    # No usable address (only without Heroku's router in front): one shared bucket.
    return client_ip(request) or "unknown"


def signup_allowed(request) -> bool:
    """Count a signup from this client; whether it is within the limit."""
    return throttle.hit("signup-client", client(request), limit=SIGNUPS_PER_CLIENT, window=HOUR)


def username_answers_paused(request) -> bool:
    """Whether this client was told TAKEN_USERNAMES_PER_CLIENT times this hour
    that a username is taken: then no signup of its gets an answer."""
    return throttle.reached(
        "signup-taken", client(request), limit=TAKEN_USERNAMES_PER_CLIENT, window=HOUR
    )


def count_taken_username(request) -> bool:
    """Count an answer "that username is taken"; whether it may still be given."""
    return throttle.hit(
        "signup-taken", client(request), limit=TAKEN_USERNAMES_PER_CLIENT, window=HOUR
    )


def reset_allowed(request) -> bool:
    """Count a reset request from this client; whether it is within its limit.

    A client over it neither sends mail nor adds a count for the address it
    names (`reset_mail_allowed` is not asked): at most RESETS_PER_CLIENT
    addresses an hour per client.
    """
    return throttle.hit("reset-client", client(request), limit=RESETS_PER_CLIENT, window=HOUR)


def reset_mail_allowed(email: str, first_account: int | None) -> bool:
    """Count a reset mail to `email`; whether the address is within its limit.

    The address's first account (the oldest active one, `first_account` when the
    mail is for it) has RESETS_PER_ADDRESS of its own: requests that mail other
    accounts under other spellings of the address (a stranger's aDa@ beside
    ada@) cannot use them up and leave its owner without the reset the login
    pause points to. Those others, and addresses with no account, share
    RESETS_PER_ADDRESS per mailbox (`mailbox`): at most twice that many mails an
    hour reach one, as forms store an address without needless quotes
    (accounts/addresses.py, `as_written`); an international domain held both as
    Unicode and as `xn--` is two addresses, with a first account each.
    """
    value = f"account {first_account}" if first_account is not None else mailbox(email)
    return throttle.hit("reset-address", value, limit=RESETS_PER_ADDRESS, window=HOUR)


def mailbox(email: str) -> str:
    """The address as mail is written to it, in one case: `"ada"@Example.com`,
    `ADA@example.com` and `ada@example.com` are one mailbox, as are `bücher.de` and
    `xn--bcher-kva.de`."""
    try:
        return written(email.strip()).casefold()
    except Exception:  # the parser and the codec raise many types on what they refuse
        return email.strip().casefold()


# Failed-login counts have a table of their own (settings.CACHES): floods of
# signup or reset counts must not evict them and lift the bound.
LOGIN_FAILURES_ALIAS = "login_failures"


def _login_failures(username: str, **kwargs):
    return {
        "scope": "login-account",
        "value": username,
        "window": HOUR,
        "alias": LOGIN_FAILURES_ALIAS,
        **kwargs,
    }


def _client_failures(request, **kwargs):
    return {
        "scope": "login-client",
        "value": client(request),
        "window": HOUR,
        "alias": LOGIN_FAILURES_ALIAS,
        **kwargs,
    }


class AccountLoginLimitBackend:
    """An authentication backend that refuses every login to a paused account, or
    from a paused client.

    Listed after django-axes' backend and before the one that checks passwords.
    It authenticates nobody: it counts the attempt as a failure before its password
    is checked (`throttle.take`), then lets it through (returns None), or refuses
    it with PermissionDenied. A right password gives its counts back
    (`give_back_login_counts`: the login forms, and user_logged_in for any other
    way in), even when the form then refuses the login; only failures stay counted,
    and guesses sent at once are each counted before any is checked. Refusing, it
    raises django-axes' flag, so AxesMiddleware answers with the lockout page
    (config.security.lockout_response), given this page's text.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or username is None:
            return None
        counts = request.login_counts = []
        counts.append(throttle.take(**_client_failures(request, limit=LOGIN_FAILURES_PER_CLIENT)))
        if not counts[-1]:
            self.refuse(
                request,
                "Signing in from your network is paused for up to an hour after many "
                "failed attempts from it. Wait, and try again.",
            )
        # Not the demo's shared logins: 30 wrong passwords from a few clients shut
        # every visitor out for the hour, and they have no address to reset from.
        # The limits per client and django-axes' per username and client still hold.
        # An owner's account of such a name (it has an address) keeps this bound.
        if not names_a_shared_login(username):
            counts.append(
                throttle.take(**_login_failures(username, limit=LOGIN_FAILURES_PER_ACCOUNT))
            )
            if not counts[-1]:
                self.refuse(
                    request,
                    "Signing in to this account is paused for up to an hour after "
                    "many wrong passwords from several networks. Wait, or reset your "
                    "password to sign in now.",
                )
        return None

    @staticmethod
    def refuse(request, message: str):
        """Refused before any password check: an attempt that counts nothing. One
        network that keeps trying after its own lockout must not pause the account
        for everyone else."""
        give_back_login_counts(None, request)
        request.lockout_page = {
            "seconds": throttle.seconds_left(HOUR),
            "heading": "Too many failed sign-in attempts",
            "message": message,
        }
        request.axes_locked_out = True
        raise PermissionDenied


def give_back_login_counts(sender, request=None, **kwargs):
    """user_logged_in receiver (and the login forms', and a refusal's): the attempt's
    counts, taken before its password was checked, are given back: it was no failure."""
    for taken in getattr(request, "login_counts", ()):
        taken.give_back()
    if request is not None:
        request.login_counts = []


def clear_login_failures(username: str) -> None:
    """Lift a pause: the account's owner proved who they are (a password reset)."""
    throttle.clear(**_login_failures(username))


def _password_changes(user, **kwargs):
    # Beside the failed logins: floods of signup or reset counts cannot evict it.
    return {
        "scope": "password-change",
        "value": str(user.pk),
        "limit": PASSWORD_CHANGE_FAILURES_PER_ACCOUNT,
        "window": HOUR,
        "alias": LOGIN_FAILURES_ALIAS,
        **kwargs,
    }


def take_password_check(user) -> throttle.Taken:
    """Count a check of `user`'s current password on a password change form, before it
    is made: true while within the bound. Give it back if the password is right."""
    return throttle.take(**_password_changes(user))
