"""Where redis-server is missing, its tests skip on a developer's machine and fail
where it must be tested: under CI as the settings read it, or REQUIRE_REDIS=1."""

import pytest

from tests.redisserver import skip_or_fail


@pytest.mark.parametrize("ci", ["true", "1", " TRUE "])
def test_a_missing_redis_server_fails_under_ci(monkeypatch, ci):
    monkeypatch.delenv("REQUIRE_REDIS", raising=False)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="no redis-server"):
        skip_or_fail("no redis-server")
    # What Heroku CI's in-dyno Redis lacks (TLS) still skips there.
    with pytest.raises(pytest.skip.Exception):
        skip_or_fail("this redis-server has no TLS", strict_under_ci=False)


@pytest.mark.parametrize("ci", ["false", "0", "no", "woodpecker", ""])
def test_a_ci_value_the_settings_do_not_take_for_ci_skips(monkeypatch, ci):
    monkeypatch.delenv("REQUIRE_REDIS", raising=False)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception):
        skip_or_fail("no redis-server")


def test_require_redis_fails_anywhere(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("REQUIRE_REDIS", "1")
    with pytest.raises(pytest.fail.Exception):
        skip_or_fail("no redis-server", strict_under_ci=False)
