"""Whether this run must test what a machine may lack, failing instead of skipping:
REQUIRE_BROWSER (Chromium), REQUIRE_REDIS (redis-server) and REQUIRE_WRK (wrk, which
the load benchmark drives). .ci/run sets all three;
app.json's Heroku CI environment sets REQUIRE_BROWSER, and there CI itself makes a
missing redis-server a failure (tests/redisserver.py)."""

import os


def required(name: str) -> bool:
    """Whether the variable `name` is set to anything but empty, 0 or false."""
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false")
