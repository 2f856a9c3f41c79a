"""bench_prefetch measures with a web worker's garbage-collector settings and says so."""

import gc
import json
from io import StringIO

import pytest
from django.core.management import call_command

from config import gc_tuning

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command(
        "seed_catalog", "--products", "12", "--features-per-product", "2", stdout=StringIO()
    )


def bench(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("bench_prefetch", "--sizes", "10", "--repeats", "1", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.usefixtures("seeded")
def test_the_table_ends_with_the_worker_settings_it_ran_with():
    before = gc.get_threshold()
    out, _ = bench()
    last = out.strip().splitlines()[-1]
    assert last.startswith("Garbage collector (worker settings): thresholds (10000, 10, 10), ")
    assert gc_tuning.THRESHOLDS == (10000, 10, 10)
    assert gc.get_threshold() == before  # the caller's settings are back


@pytest.mark.usefixtures("seeded")
def test_default_settings_on_request_and_stdout_stays_json():
    out, err = bench("--gc", "default", "--json")
    assert [json.loads(line)["strategy"] for line in out.splitlines()] == [
        "naive",
        "prefetch",
        "bounded",
    ]
    assert err.strip() == f"Garbage collector (default settings): {gc_tuning.describe()}."
    assert f"thresholds {gc.get_threshold()}, 0 objects frozen" in err
