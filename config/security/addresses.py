"""E-mail addresses taken out of text that leaves the process: Sentry's events
(config/sentry.py) and the app's log (settings.LOGGING's console handler).

A member's address reaches both without anyone writing it there: smtplib's
exceptions hold the recipients a mail server refused, and a mail server's
answer often names them (a spam filter's "554 <ada@example.com>: refused").
Heroku keeps the app's log and hands it to every log drain attached, so the
console handler's formatter, `WithoutAddresses`, replaces every address in a
record's whole text (its message, its arguments, its traceback) with
"[Filtered]", as Sentry's events are filtered.
"""

import logging
import re

# An e-mail address as it appears in text (a message, smtplib's exception value, a
# repr, a dict's key, a query string or a page): a quoted local part, or a run of
# characters without separators (a match starts only where such a run starts, or
# right where the match before it ended, so a long run is scanned once, not from
# each of its characters), an @ however it is written (%40 and its encodings,
# HTML's entities, escaped again or not, JSON's and Python's escapes, full width,
# small), then a bracketed address literal or a name, less a final dot. A query's
# ? and & end a run, so the page of a URL is kept; a local part holding one of
# them is filtered from it on. Apostrophes are a run's (o'brien@, ada'@): quotes
# and a keyword written against an address go with it, get(email='...') comes
# out get([Filtered]); over-filtering is the price of leaking no part of one.
SEPARATORS = r"\s@\uff20\ufe6b<>(){}\[\],;:\"?&"
AT = (
    r"(?:@|\uff20|\ufe6b|%(?:25)*40|(?i:%EF%BC%A0|%EF%B9%AB|%u0040)|&commat;"
    r"|&(?:amp;)?#0*(?:64|65312|65131);?|(?i:&(?:amp;)?#x0*(?:40|ff20|fe6b);?"
    r"|\\u(?:0040|ff20|fe6b)|\\x40))"
)
E_MAIL_ADDRESS = re.compile(
    rf'(?:"[^"\r\n]*"|(?<![^{SEPARATORS}])[^{SEPARATORS}]+)'
    rf"{AT}(?:\[[0-9A-Za-z:.%-]{{1,64}}\]|[^{SEPARATORS}/]*[^{SEPARATORS}/.])"
)


# The same, starting right where a match ended: a domain ends at a "/", and an
# address straight after it (/ada@x.com/bob@x.com) starts no run of its own.
RIGHT_AFTER = re.compile(E_MAIL_ADDRESS.pattern.replace(f"(?<![^{SEPARATORS}])", "", 1))


def filtered(text: str) -> str:
    """`text` with every e-mail address in it "[Filtered]". Linear in the text: a
    match starts where a run starts, or right where the one before it ended."""
    parts, at = [], 0
    while (found := E_MAIL_ADDRESS.search(text, at)) is not None:
        parts += [text[at : found.start()], "[Filtered]"]
        at = found.end()
        while (next_one := RIGHT_AFTER.match(text, at)) is not None:
            parts.append("[Filtered]")
            at = next_one.end()
    parts.append(text[at:])
    return "".join(parts)


class WithoutAddresses(logging.Formatter):
    """A log formatter whose lines show no e-mail address (the module's docstring).

    A record whose message cannot be formatted (a placeholder its arguments do not
    fit, an argument whose str() raises) is a line saying so, with the message as
    written, the error and the record's traceback, filtered too: raising here sent
    the record to logging's own error path, which printed its arguments to stderr.
    `inner`: another formatter whose lines these are (gunicorn's, config/gunicorn.py)."""

    def __init__(self, *args, inner: logging.Formatter | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        try:
            text = (self.inner or super()).format(record)
        except Exception as error:
            text = (
                f"{record.levelname} {record.name}: {_text(record.msg)} (a message that could "
                f"not be formatted, {record.pathname}:{record.lineno}: "
                f"{type(error).__name__}: {_text(error)})"
            )
            if record.exc_info:
                try:
                    text += "\n" + self.formatException(record.exc_info)
                except Exception:  # not an exc_info tuple: nothing to show of it
                    text += f"\n(its exc_info could not be shown: {_text(record.exc_info)})"
        return filtered(text)


def _text(value) -> str:
    """str(value), or what it is where str() raises."""
    try:
        return str(value)
    except Exception:
        return f"<a {type(value).__name__} whose str() raises>"
