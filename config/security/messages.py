"""The message storage (MESSAGE_STORAGE): Django's, reading back only what it writes.

Django's cookie storage checks the messages cookie's signature, then makes messages
of whatever the signed value holds: a message without its level, a level that is
not a number or past a float, extra tags that are a list, a dict instead of a
list, nesting past the recursion limit, compressed data that is not zlib's. Each
raised an error (TypeError, KeyError, OverflowError, zlib.error, ...) while a
page listed its messages, a 500 on every page for as long as the browser
sent the cookie. A signature holds for anyone who knows the secret key, as
everyone knows the local demo's. Here a value that is not a list of messages as
Django writes them (whole-number level, text, text tags; text that encodes as
UTF-8, which a lone surrogate from JSON's `\\ud800` does not) counts as no
messages, as a bad signature does.

Nor is a message marked as HTML: Django's flag for it (the admin's "was added
successfully" links the object) makes the page show its text as markup, and a
signed cookie could put any markup on every page. Such messages go by the
session, which the client cannot write; the cookie then holds only Django's
marker that more messages wait there, and is cleared once they are shown.
"""

from contextlib import suppress

from django.contrib.messages.storage import cookie, fallback, session
from django.contrib.messages.storage.base import Message
from django.utils.safestring import SafeData


def as_written(messages) -> bool:
    """Whether `messages` (a decoded cookie) is what Django's cookie storage writes."""
    if not isinstance(messages, list):
        return False
    if messages and messages[-1] == cookie.CookieStorage.not_finished:
        messages = messages[:-1]
    return all(
        isinstance(message, Message)
        and is_text(message.message)
        and not isinstance(message.message, SafeData)
        and (message.extra_tags is None or is_text(message.extra_tags))
        for message in messages
    )


def is_text(value) -> bool:
    """Whether `value` is text a page can send: a str that encodes as UTF-8. JSON's
    `\\ud800` decodes to a lone surrogate, which does not, and the page holding it
    failed as its content was encoded."""
    if not isinstance(value, str):
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


class CookieStorage(cookie.CookieStorage):
    def _decode(self, data):
        with suppress(Exception):  # any error, from a value Django did not write
            messages = super()._decode(data)
            if messages is None or as_written(messages):
                return messages
        self.used = True  # as Django marks a bad signature
        return None

    def _store(self, messages, response, *args, **kwargs):
        """Store `messages`, or, when one is marked as HTML, only the marker that
        sends the reader to the next storage, and hand all of them on to it."""
        if not any(isinstance(message.message, SafeData) for message in messages):
            return super()._store(messages, response, *args, **kwargs)
        self._update_cookie(self._encode_parts([self.not_finished_json]), response)
        return messages


class FallbackStorage(fallback.FallbackStorage):
    """Django's default storage (a cookie, the session for what does not fit) with
    the cookie read as above."""

    storage_classes = (CookieStorage, session.SessionStorage)

    def _get(self, *args, **kwargs):
        """Django's, counting the cookie as used whenever it came, so that the
        answer clears it: a cookie holding only the marker gives no messages,
        which Django would take as an unused cookie and leave in the browser."""
        messages, all_retrieved = super()._get(*args, **kwargs)
        cookies = self.storages[0]
        if self.request.COOKIES.get(cookies.cookie_name):
            self._used_storages.add(cookies)
        return messages, all_retrieved
