"""Django's default cache is each process's memory, not shared between dynos
(docs/production.md, Scale-out): only what a process may keep alone belongs there."""

import re
from pathlib import Path

from django.conf import settings

# The one use: the S3 tour page remembers for a minute what it read of the bucket,
# or that it could not, in each process (config/media/tour.py).
ALLOWED = {"config/media/tour.py"}
USE = re.compile(r"""caches\[["']default["']\]|from django\.core\.cache import cache\b""")


def test_only_the_s3_tour_uses_the_per_process_default_cache():
    found = set()
    for folder in ("config", "catalog", "accounts"):
        for path in (settings.BASE_DIR / folder).rglob("*.py"):
            if USE.search(path.read_text()):
                found.add(str(Path(path).relative_to(settings.BASE_DIR)))
    assert found == ALLOWED
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
