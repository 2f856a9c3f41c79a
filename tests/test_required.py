"""REQUIRE_BROWSER and REQUIRE_REDIS read alike (tests/required.py): a value CI or a
developer may write for "on" turns a skip into a failure; unset, empty, 0 or false
leave the skip."""

import pytest

from tests.required import required


@pytest.mark.parametrize("value", ["1", "true", "True", "yes", "on", " 1 "])
def test_a_value_for_on_requires(monkeypatch, value):
    monkeypatch.setenv("REQUIRE_BROWSER", value)
    assert required("REQUIRE_BROWSER")


@pytest.mark.parametrize("value", [None, "", " ", "0", "false", "FALSE"])
def test_unset_empty_0_or_false_does_not(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("REQUIRE_BROWSER", raising=False)
    else:
        monkeypatch.setenv("REQUIRE_BROWSER", value)
    assert not required("REQUIRE_BROWSER")
