"""Names the pages show (config/names.py): each shows something and reorders nothing."""

import pytest
from django.core.exceptions import ValidationError

from config.names import is_name, shows_something, validate_name

# What a name may be: any script, emoji with their joiners and variation selectors,
# the marks right-to-left text uses, a space between words.
NAMES = [
    "Ada",
    "Ada Lovelace",
    "Zoë",
    "Ю",
    "李小龍",
    "محمد",
    "\u05e9\u05dc\u05d5\u05dd\u200f",  # Hebrew with a right-to-left mark
    "ﾊﾝｶｸ",
    "👩\u200d💻",  # woman technologist: a zero-width joiner between two emoji
    "❤\ufe0f",
    "x",
    "1",
    "-",
    "·",
    "A\u0301",
]

# Shows nothing: each alone, and each repeated or mixed with spaces.
SHOWS_NOTHING = [
    "\u200b",  # zero-width space
    "\ufeff",  # zero-width no-break space
    "\u200d",  # zero-width joiner
    "\u00ad",  # soft hyphen
    "\u3164",  # Hangul filler (a letter to Unicode)
    "\u115f",
    "\u1160",
    "\uffa0",
    "\u2800",  # Braille blank (a symbol to Unicode)
    "\U0001d159",  # musical null notehead (a symbol too)
    "\u0301\u0301",  # combining marks alone
    "\u2060",  # word joiner
    "\u180e",  # Mongolian vowel separator
    "\ufe0f",  # a variation selector alone
    "\u200e",  # a left-to-right mark alone
    "\u00a0",
    "\u3000",
    " \u200b \u3164 ",
]

BIDI_CONTROLS = [*"\u202a\u202b\u202c\u202d\u202e", *"\u2066\u2067\u2068\u2069"]
CONTROLS = ["\t", "\n", "\r", "\x1b", "\x7f", "\x85", "\x9b", "\u2028", "\u2029"]


@pytest.mark.parametrize("name", NAMES)
def test_names_of_any_script_and_emoji_are_names(name):
    assert shows_something(name)
    assert is_name(name)
    validate_name(name)


@pytest.mark.parametrize("name", SHOWS_NOTHING)
def test_a_name_that_shows_nothing_is_refused(name):
    assert not shows_something(name)
    assert not is_name(name)
    with pytest.raises(ValidationError) as refused:
        validate_name(name)
    assert refused.value.code == "shows_nothing"
    assert "shows nothing" in refused.value.message


@pytest.mark.parametrize("control", BIDI_CONTROLS)
@pytest.mark.parametrize("where", ["{}Ada", "Ada{}", "A{}da"])
def test_a_direction_control_anywhere_in_a_name_is_refused(control, where):
    name = where.format(control)
    assert shows_something(name)
    assert not is_name(name)
    with pytest.raises(ValidationError) as refused:
        validate_name(name)
    assert refused.value.code == "bidi_control"


@pytest.mark.parametrize("control", CONTROLS)
def test_a_control_character_in_a_name_is_refused(control):
    assert not is_name(f"Ada{control}Lovelace")
    with pytest.raises(ValidationError) as refused:
        validate_name(f"Ada{control}Lovelace")
    assert refused.value.code == "control_character"
