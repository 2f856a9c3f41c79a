"""Django's default cache is each process's memory, not shared between dynos
(docs/production.md, Scale-out): only what a process may keep alone belongs there.
The page cache is each worker's memory too until Redis is attached: what uses it
is named in the README and that table."""

import re
from pathlib import Path

from django.conf import settings

# The one use: the S3 tour page remembers for a minute what it read of the bucket,
# or that it could not, in each process (config/media/tour.py).
ALLOWED = {"config/media/tour.py"}
USE = re.compile(r"""caches\[["']default["']\]|from django\.core\.cache import cache\b""")


def using(pattern: re.Pattern) -> set[str]:
    found = set()
    for folder in ("config", "catalog", "accounts"):
        for path in (settings.BASE_DIR / folder).rglob("*.py"):
            if pattern.search(path.read_text()):
                found.add(str(Path(path).relative_to(settings.BASE_DIR)))
    return found


def test_only_the_s3_tour_uses_the_per_process_default_cache():
    assert using(USE) == ALLOWED
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


# The page cache's users: the anonymous list pages, and the values kept beside them
# (catalog/kept.py), which the list counts, the home page and product pages keep.
PAGE_CACHE = {"catalog/pagecache.py", "catalog/kept.py"}
KEEPS = {"catalog/counts.py", "catalog/views.py", "config/views.py"}
PAGES_USE = re.compile(r"""caches\[(["']pages["']|pagecache\.CACHE_ALIAS|CACHE_ALIAS)\]""")
# What keeps a value (kept, kept_html), not what only marks a page that used one.
KEPT_USE = re.compile(r"""from catalog\.kept import [^\n]*\bkept(_html)?\b""")


def test_the_page_cache_holds_the_list_pages_and_the_kept_parts_alone():
    assert using(PAGES_USE) == PAGE_CACHE
    assert using(KEPT_USE) == KEEPS
