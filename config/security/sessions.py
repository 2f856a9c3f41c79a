"""The session engine (SESSION_ENGINE): Django's database sessions, refusing any
key Django would not have issued.

Django issues 32 characters of lower-case letters and digits, and keeps any
other key of 8 or more characters for a database lookup: a cookie carrying a
NUL reaches psycopg2, which refuses it with an error, so one cookie made every
page a 500. Here such a key counts as no session at all, as an unknown key does.
"""

import re

from django.contrib.sessions.backends import db

# What django.contrib.sessions.backends.base generates (get_random_string(32, VALID_KEY_CHARS)).
ISSUED_KEY = re.compile(r"[a-z0-9]{32}")


def is_issued_key(key) -> bool:
    return isinstance(key, str) and ISSUED_KEY.fullmatch(key) is not None


class SessionStore(db.SessionStore):
    def _validate_session_key(self, key):
        return is_issued_key(key)
