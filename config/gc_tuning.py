"""Garbage-collector settings for a web worker, in one place.

gunicorn's hooks (config/gunicorn.py) apply them to the web process:
`freeze_loaded_app()` in the master once the app is loaded, before it forks
its workers, and `tune_worker()` in each worker. `manage.py bench_prefetch`
runs inside `as_worker()`, so it measures what a worker does. Figures and
trade-offs: docs/production.md, "Garbage collection in the workers".
"""

import gc
from contextlib import contextmanager

# CPython's default is (700, 10, 10): a young-generation pass every 700 net
# new container objects (instances, dicts, lists), and every tenth pass of a
# generation a pass of the next. A page of 24 products makes about 700 of them
# and a large queryset hundreds of thousands, so the default re-walks the
# whole heap (full collections) several times while one big queryset loads.
# 10,000 keeps those full collections rare; 50,000 (the setting before) made
# each young pass long enough to stop a worker's threads for tens of
# milliseconds and more than doubled the trivial view's 99th percentile under
# load, for no gain in throughput or memory (docs/production.md).
THRESHOLDS = (10_000, 10, 10)


def freeze_loaded_app() -> int:
    """Move every object alive now (the loaded app: modules, classes, settings,
    URL patterns) out of the collector's reach; returns how many.

    Called in the gunicorn master just before it forks. Collections in a
    worker then never walk these objects, so they neither cost time nor write
    to the pages the workers share with the master (copy-on-write).
    """
    gc.freeze()
    return gc.get_freeze_count()


def tune_worker() -> None:
    """Apply `THRESHOLDS` to this process (a forked worker)."""
    gc.set_threshold(*THRESHOLDS)


def describe() -> str:
    """This process's collector settings, in words (bench output, tests)."""
    return f"thresholds {gc.get_threshold()}, {gc.get_freeze_count():,} objects frozen"


@contextmanager
def as_worker():
    """Run the block with a worker's collector settings, then restore the caller's.

    For measurements made outside gunicorn (bench_prefetch): the objects alive
    on entry are frozen, as the app is in the master before the fork.
    """
    previous = gc.get_threshold()
    already_frozen = gc.get_freeze_count()
    freeze_loaded_app()
    tune_worker()
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        if not already_frozen:  # leave a freeze made by someone else alone
            gc.unfreeze()
