"""The web line's gunicorn settings (config/gunicorn.py), with each worker's thread
pool held as it hands out a request: inside the pool's `submit`, which holds the
pool's lock, until the file `GATE` names exists. The file `HELD` names is
created when a worker gets there, so a test can signal a worker in that window
(tests/deploy/test_faults.py)."""

import os
from pathlib import Path

from config import worker_signals
from config.gunicorn import *  # noqa: F403
from tests.deploy import gate


class HeldPoolWorker(worker_signals.ThreadWorker):
    def get_thread_pool(self):
        pool = super().get_thread_pool()
        adjust = pool._adjust_thread_count  # called by submit() with the lock held

        def held():
            Path(os.environ["HELD"]).touch()
            gate.wait()
            adjust()

        pool._adjust_thread_count = held
        return pool


worker_class = HeldPoolWorker
