"""The spooling upload handler keeps 16 characters of an extension, nothing else
of the name changes (config/security/uploadhandlers.py)."""

import os

import pytest

from config.security.uploadhandlers import MAX_EXTENSION, short_extension


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("photo.jpeg", "photo.jpeg"),
        ("no-extension", "no-extension"),
        (".hidden", ".hidden"),
        ("a." + "x" * 240, "a." + "x" * 16),
        ("b." + "é" * 100, "b." + "é" * 16),
    ],
)
def test_only_a_long_extension_is_cut(name, kept):
    assert MAX_EXTENSION == 16
    assert short_extension(name) == kept
    # The temporary file's name, as Django makes it: far under the 255 bytes allowed.
    extension = os.path.splitext(short_extension(name))[1]
    assert len(("tmpabcdefgh.upload" + extension).encode()) < 100
