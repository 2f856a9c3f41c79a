"""Whether this run must test what a machine may lack, failing instead of skipping:
REQUIRE_BROWSER (Chromium) and REQUIRE_REDIS (redis-server). .ci/run sets both;
app.json's Heroku CI environment sets REQUIRE_BROWSER, and there CI itself makes a
missing redis-server a failure (tests/redisserver.py)."""

import os


def required(name: str) -> bool:
    """Whether the variable `name` is set to anything but empty, 0 or false."""
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false")
