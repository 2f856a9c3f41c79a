"""The benchmarks run as a user runs them, in processes of their own.

They share the local PostgreSQL's benchmark databases (each named after the
database a run is given), which a stopped run leaves half set up and a run with
--reuse reads: the tests of this folder run on one worker, one after another
(tests/parallel.py groups a folder with a package-scoped fixture)."""

import pytest


@pytest.fixture(scope="package", autouse=True)
def one_benchmark_at_a_time():
    """Groups this folder's tests on one worker; starts nothing."""
    return
