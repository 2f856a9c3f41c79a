"""The load benchmark's settings: the site's own (config/settings.py), its URLs
joined by the two floors it measures (tests/bench/floors.py)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.floors"
