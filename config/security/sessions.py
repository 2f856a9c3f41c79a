"""The session engine (SESSION_ENGINE): the profile-joined auth unit's, which reads a
session and its user in one statement, refusing any key Django would not have issued.

Django issues 32 characters of lower-case letters and digits, and keeps any
other key of 8 or more characters for a database lookup: a cookie carrying a
NUL reaches psycopg2, which refuses it with an error, so one cookie made every
page a 500. Here such a key counts as no session at all, as an unknown key does.

The statement that reads a session, with its user, profile and company joined,
is accounts/profile_auth/sessions.py's: compiled by the ORM once, then only run.
"""

import re

from accounts.profile_auth import sessions

# What django.contrib.sessions.backends.base generates (get_random_string(32, VALID_KEY_CHARS)).
ISSUED_KEY = re.compile(r"[a-z0-9]{32}")


def is_issued_key(key) -> bool:
    return isinstance(key, str) and ISSUED_KEY.fullmatch(key) is not None


class SessionStore(sessions.SessionStore):
    def _validate_session_key(self, key):
        return is_issued_key(key)
