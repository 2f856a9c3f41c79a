"""Names the pages show: each must show something, and leave the text around it alone.

    from config.names import is_name, validate_name

    display_name = models.CharField(max_length=100, blank=True, validators=[validate_name])
    profile.display_name if is_name(profile.display_name) else "Member"

A name is shown where people read it as a name: a member's on the company page
and in the header, a company's, category's or product's as a heading or a link.
Two kinds of text passed every check before and broke that:

- **Names that show nothing.** A zero-width space, a Hangul filler (U+3164, a
  letter to Unicode), the Braille blank (a symbol) or combining marks alone pass
  `strip()`, so "Members without a display name are 'Member'" did not hold for
  them: the page listed a blank entry, and an admin list a link no one can click.
  A name must hold a letter, digit, punctuation mark or symbol that is drawn.
- **Bidirectional controls.** An unclosed right-to-left override (U+202E) reverses
  the text after it up to the end of its paragraph: beside a name in the header,
  the page's own words. Embeddings, overrides and isolates (U+202A to U+202E,
  U+2066 to U+2069) are refused; the marks (U+200E, U+200F), which reorder
  nothing after them, are kept for right-to-left names.

Members' names, which anyone who signs up writes, are also set in `<bdi>` where
they stand inline (the header, the company page), and a display name stored
before this check that fails it is shown as if empty (accounts/models.py).
Company and catalog names are staff's, checked on the admin's forms; one written
past the forms is shown as written.

Control characters (tab, line and paragraph separators, escape...) are refused
too: no name needs one.
Letters of any script, emoji (their joiners and variation selectors included) and
spaces between words are names as before.
"""

import unicodedata

from django.core.exceptions import ValidationError

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters and symbols to Unicode that fonts draw as nothing: the Hangul fillers
# (U+115F, U+1160, U+3164, U+FFA0), the Braille blank (U+2800) and the musical
# null notehead (U+1D159).
BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800\U0001d159")
# Categories no name holds: control characters, line and paragraph separators.
BREAKS = frozenset(("Cc", "Zl", "Zp"))
SHOWN = frozenset("LNPS")  # letters, numbers, punctuation, symbols


def shows_something(name: str) -> bool:
    """Whether `name` holds a character that is drawn: not only spaces, marks,
    format characters (zero-width space, joiners) or blank letters."""
    return any(unicodedata.category(c)[0] in SHOWN and c not in BLANK for c in name)


def is_name(name: str) -> bool:
    """Whether `name` is shown as it is: what `validate_name` takes."""
    return shows_something(name) and not any(
        c in BIDI_CONTROLS or unicodedata.category(c) in BREAKS for c in name
    )


def validate_name(name: str) -> None:
    """A ValidationError for a name that `is_name` refuses, saying which way it fails."""
    if any(c in BIDI_CONTROLS for c in name):
        raise ValidationError(
            "Characters that change the direction of the text around them "
            "(U+202A to U+202E, U+2066 to U+2069) cannot be part of a name.",
            code="bidi_control",
        )
    if any(unicodedata.category(c) in BREAKS for c in name):
        raise ValidationError(
            "Control characters (tabs, line breaks) cannot be part of a name.",
            code="control_character",
        )
    if not shows_something(name):
        raise ValidationError(
            "A name needs a letter, digit or symbol that shows: this one shows nothing.",
            code="shows_nothing",
        )
