"""The web workers run with the garbage-collector settings of config/gc_tuning.py.

The Procfile's web line starts in production mode (preload_app on); each worker
logs, from inside itself once gunicorn's post_fork hook has run, the settings its
collector reports. The master froze the loaded app before forking, so a
worker's frozen objects are the ones it inherited.
"""

import gc
import re
import time

import pytest

from config import gc_tuning
from tests.processes import ROUTER_HEADERS, children, fresh_database, production_env, serving

WORKERS = 2


@pytest.mark.django_db
def test_every_web_worker_runs_with_the_tuned_collector():
    env = production_env(DATABASE_URL=fresh_database("gc_tuning"), WEB_CONCURRENCY=str(WORKERS))
    pattern = re.compile(
        r"Worker (\d+): garbage collector thresholds \((\d+), (\d+), (\d+)\), "
        r"([\d,]+) objects frozen"
    )
    with serving(env) as web:
        assert web.get("/healthz", ROUTER_HEADERS).status == 200
        deadline = time.monotonic() + 20
        while len(found := pattern.findall(web.output())) < WORKERS and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = set(children(web.process.pid))
    assert {int(pid) for pid, *_ in found} == workers
    assert len(workers) == WORKERS
    for _, *thresholds, frozen in found:
        assert tuple(map(int, thresholds)) == gc_tuning.THRESHOLDS
        # Django, the project and their imports: tens of thousands of objects.
        assert int(frozen.replace(",", "")) > 10_000


def test_as_worker_applies_the_settings_and_then_restores_the_callers():
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    with gc_tuning.as_worker():
        assert gc.get_threshold() == gc_tuning.THRESHOLDS
        assert gc.get_freeze_count() > 10_000
        assert "thresholds (10000, 10, 10)" in gc_tuning.describe()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_render_benchmark_measures_pages_as_a_worker_serves_them(settings):
    """tests.bench.render's in-process figures stand for a gunicorn worker's."""
    from tests.bench import render

    before = gc.get_threshold()
    settings.DEBUG = True
    with render.as_served():
        from django.conf import settings as current

        assert gc.get_threshold() == gc_tuning.THRESHOLDS
        assert gc.get_freeze_count() > 10_000
        assert current.DEBUG is False
        assert all(engine["OPTIONS"]["debug"] is False for engine in current.TEMPLATES)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
