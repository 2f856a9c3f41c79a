"""Where a web process under test waits for the test: `wait()` returns once the
file the GATE variable names exists. The gated modules beside this one call it
at the point each holds a worker (tests/deploy/test_faults.py opens the gate)."""

import os
import time
from pathlib import Path


def wait() -> None:
    while not Path(os.environ["GATE"]).exists():
        time.sleep(0.05)
