"""Usernames compared as people read them: in any case, by Unicode's case folding.

Django's own check (`username__iexact`) compares the database's UPPER() of both
names, one character at a time in the database's locale: "WEIẞ" passed beside
"weiß" (PostgreSQL's UPPER('ß') is 'ß'), and "weiss" beside it. Here two names are
one when their `key()` is: Unicode's compatibility caseless match (D145), the same
in every database and locale. The forms, `createsuperuser` and the demo seed ask
`taken()`, besides Django's own check where they have it.

They see only what is committed: two requests writing `Root` and `root` at once
(a double click, two tabs) each found the other's name free. So every write of
a new name is checked again where it is made (`one_account_per_key`, the user
model's pre_save): inside its transaction it first takes a PostgreSQL advisory
lock on the name's key (and one on its UPPER(), for Django's iexact), which a
second write of that name waits for until the first commits, and then finds
its name. Writes outside a transaction take no lock, only the check (an
interactive createsuperuser: its prompts hold no transaction open; with
--noinput it writes in one); `loaddata` (a raw save) is taken as it is. A name
taken is an IntegrityError, as Django's unique constraint raises for the same
spelling.

The database narrows the search, and Python compares keys: each character of a
name adds at least one character to its key, and only characters in it, so an
account of the same key has a name of at most as many characters, each one whose
key's characters are all in the wanted key (a regular expression the database
checks). The characters a username may hold whose key is not themselves are
listed once per process, on first use (about 0.1 s).
"""

import re
import unicodedata
from functools import cache

from django.db import IntegrityError, connections

# Django's UnicodeUsernameValidator: letters, digits and @ . + - _
USERNAME_CHARACTER = re.compile(r"[\w.@+-]")
# The first keys of the two advisory locks a write of a name takes: one for its
# key, one for its UPPER(), each the second key, hashed (config/security/throttle.py,
# config/security/upload_limit.py, config/media/tour.py and accounts/views.py use
# keys of their own).
LOCK_CLASS = 0x55534552
UPPER_CLASS = 0x55505052


def key(name: str) -> str:
    """`name` in the form two names of the same key share (Unicode D145)."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFD", name).casefold())
    return unicodedata.normalize("NFKD", folded.casefold())


def taken(users, name: str) -> list[str]:
    """The names of `users` (a queryset) that are `name` in any case: its own spelling too."""
    wanted = key(name)
    shape = _shape(wanted, name)
    if shape is None:
        return []
    field = users.model.USERNAME_FIELD
    shapes = users.filter(**{f"{field}__regex": shape})
    return [found for found in shapes.values_list(field, flat=True) if key(found) == wanted]


def one_account_per_key(sender, instance, raw=False, using=None, update_fields=None, **kwargs):
    """pre_save of the user model: a new name, or a name changed, that another
    account has in any case is an IntegrityError (see the module docstring). A
    save that keeps its name (a login's last_login) asks nothing; nor does
    loading fixtures. Without a transaction there is no lock, only the check."""
    field = sender.USERNAME_FIELD
    if raw or (update_fields is not None and field not in update_fields):
        return
    name = getattr(instance, field)
    users = sender._default_manager.db_manager(using)
    if instance.pk is not None:
        if users.filter(pk=instance.pk, **{field: name}).exists():
            return  # its own name, as stored: an older pair of names stays as it is
        users = users.exclude(pk=instance.pk)
    connection = connections[using]
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            # Its key, then the database's UPPER() of it (Django's iexact: dotless "l\u0131n" is
            # "lin" there, not here), always in this order.
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOCK_CLASS, key(name)]
            )
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(UPPER(%s)))", [UPPER_CLASS, name]
            )
    found = taken(users, name) or list(
        users.filter(**{f"{field}__iexact": name}).values_list(field, flat=True)[:1]
    )
    if found:
        raise IntegrityError(f"The username {name!r} is another account's ({found[0]!r}).")


def _shape(wanted: str, name: str) -> str | None:
    """A regular expression every name of key `wanted` matches (and few others), or
    None when no username can have that key."""
    within = set(wanted)
    characters = set(name) | within  # a character whose key is itself is in `wanted`
    for first in within:
        for characters_of_key, chars in _by_first_key_character().get(first, ()):
            if characters_of_key <= within:
                characters.update(chars)
    # In a bracket expression: "-" last, and no "]", "\" or "^" (no username holds them).
    listed = "".join(sorted(characters - {"-", "]", "\\", "^"}))
    dash = "-" if "-" in characters else ""
    if not listed + dash:
        return None
    return f"^[{listed}{dash}]{{1,{min(len(wanted), 255)}}}$"


# Unicode gives no character past U+2FFFF a case folding or a decomposition
# (tests/accounts/test_usernames.py checks every code point).
LAST_CHANGED = 0x2FFFF


def changed_by_key(char: str) -> bool:
    """Whether `char`'s key is not `char` itself: it folds, or decomposes."""
    return char.casefold() != char or unicodedata.normalize("NFKD", char) != char


@cache
def _by_first_key_character() -> dict[str, list[tuple[frozenset, str]]]:
    """Every character a username may hold whose key is not itself, grouped by its
    key's characters, filed under the smallest of them."""
    groups: dict[frozenset, list[str]] = {}
    for point in range(LAST_CHANGED + 1):
        char = chr(point)
        if changed_by_key(char) and USERNAME_CHARACTER.match(char):
            groups.setdefault(frozenset(key(char)), []).append(char)
    filed: dict[str, list[tuple[frozenset, str]]] = {}
    for characters_of_key, chars in groups.items():
        filed.setdefault(min(characters_of_key), []).append((characters_of_key, "".join(chars)))
    return filed
