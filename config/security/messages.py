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
messages, as a bad signature does, and the cookie is deleted.

Nor is a message marked as HTML: Django's flag for it makes the page show its
text as markup, so a signed cookie could put any markup on every page. The app
writes no such flag: a message marked so (Django marks the admin's "was added
successfully", which links the object) goes into the cookie as the text it
shows, without its tags. Keeping it as HTML in the session instead lost it
when the session ended before the next page, and gave an anonymous visitor a
session.
"""

import html
from contextlib import suppress

from django.contrib.messages.storage import cookie, fallback, session
from django.contrib.messages.storage.base import Message
from django.utils.html import strip_tags
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
    # Whether the request's cookie was read and refused (a bad signature, a value
    # Django does not write): FallbackStorage deletes it.
    refused = False

    def _decode(self, data):
        with suppress(Exception):  # any error, from a value Django did not write
            messages = super()._decode(data)
            if messages is None and data:
                self.refused = True  # a bad signature
            if messages is None or as_written(messages):
                return messages
        self.used = True  # as Django marks a bad signature
        self.refused = True
        return None

    def _store(self, messages, *args, **kwargs):
        return super()._store([as_text(message) for message in messages], *args, **kwargs)


def as_text(message: Message) -> Message:
    """`message`, or one with the text a message marked as HTML shows, unmarked."""
    if not isinstance(message.message, SafeData):
        return message
    return Message(message.level, html.unescape(strip_tags(message.message)), message.extra_tags)


class SessionStorage(session.SessionStorage):
    """The session's half, for messages past the cookie's size: read as the cookie
    is (`as_written`), where Django made messages of whatever the session held
    (a 500 on every page that lists them, or markup for a message marked as HTML).
    What it refuses is dropped from the session."""

    def _get(self, *args, **kwargs):
        with suppress(Exception):  # any error, from a value Django did not write
            messages, all_retrieved = super()._get(*args, **kwargs)
            if messages is None or as_written(messages):
                return messages, all_retrieved
        self.request.session.pop(self.session_key, None)
        return None, True


class FallbackStorage(fallback.FallbackStorage):
    """Django's default storage (a cookie, the session for what does not fit) with
    the cookie read as above, and deleted once read and refused.

    Django's fallback storage writes a cookie only when it holds messages or had
    some to show: a cookie it refused stayed in the browser, sent with every
    request, and a visitor with a messages cookie skips the page cache
    (catalog/pagecache.py). After a secret key's rotation every list page was
    rendered live for such a visitor until the browser closed."""

    storage_classes = (CookieStorage, SessionStorage)

    def update(self, response):
        unstored = super().update(response)
        cookies = self.storages[0]
        if cookies.refused and cookies.cookie_name not in response.cookies:
            cookies._update_cookie(None, response)  # deletes it
        return unstored
