"""The first keys of the PostgreSQL advisory locks the app takes: one per purpose.

Two purposes sharing one would make requests of one wait on the other's, and a
second key that hashes alike (an account's pk, a throttle's key) would make them
wait for nothing.
"""

import re

from accounts import forms, usernames
from config.media import tour
from config.security import throttle, upload_limit
from tests.processes import BASE_DIR

FIRST_KEYS = {
    "a username's key": usernames.LOCK_CLASS,
    "a username's UPPER()": usernames.UPPER_CLASS,
    "a throttle's count": throttle.LOCK_CLASS,
    "an account's upload turn": upload_limit.TURN_LOCK,
    "the S3 tour's turn": tour.TURN_LOCK,
    "a write of an account's password": forms.PASSWORD_LOCK_CLASS,
}


def test_each_purpose_has_a_first_key_of_its_own():
    assert len(set(FIRST_KEYS.values())) == len(FIRST_KEYS)


def test_every_advisory_lock_the_app_takes_is_listed_here():
    sources = [
        path
        for folder in ("accounts", "catalog", "config")
        for path in (BASE_DIR / folder).rglob("*.py")
        if "pg_advisory" in path.read_text()
    ]
    taken = sum(len(re.findall(r"pg_advisory\w*lock\(", path.read_text())) for path in sources)
    assert taken == len(FIRST_KEYS), [str(path.relative_to(BASE_DIR)) for path in sources]
