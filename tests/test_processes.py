"""tests/processes.py: which processes the tests start carry coverage's variables
(pyproject.toml, patch), and the ports their servers are given."""

import socket
from pathlib import Path

from tests.processes import (
    free_port,
    port_block,
    production_env,
    released_database,
    run_python,
    serving,
    worker_number,
)

MARKER = "COVERAGE_MARKER_OF_THIS_TEST"  # stands for COVERAGE_PROCESS_CONFIG and the like
SHOW = "import os; print(sorted(k for k in os.environ if k.startswith('COVERAGE_')))"


def environ_of(pid: int) -> dict[str, str]:
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(entry.decode().split("=", 1) for entry in entries if entry)


def test_web_processes_run_unmeasured_and_short_lived_ones_measured(monkeypatch):
    monkeypatch.setenv(MARKER, "1")
    env = production_env(DATABASE_URL=released_database("coverage_scope"))
    assert env[MARKER] == "1"

    probe = run_python(SHOW, env)
    assert probe.returncode == 0, probe.stderr
    assert MARKER in probe.stdout

    with serving(env) as web:
        assert not [key for key in environ_of(web.process.pid) if key.startswith("COVERAGE_")]
    with serving(env, measured=True) as web:
        assert environ_of(web.process.pid)[MARKER] == "1"


def test_free_ports_are_this_workers_own_and_never_given_twice():
    """Two workers' servers, each still starting, must not be handed one port
    (tests/local/test_demo.py once reached another worker's web process)."""
    given = [free_port() for _ in range(5)]
    assert len(set(given)) == 5
    assert all(port in port_block() for port in given)
    low, _ = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    assert port_block().stop <= int(low)  # the kernel never picks these itself
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", given[-1] + 1))
        taken.listen()
        assert free_port() == given[-1] + 2


def test_worker_numbers_come_from_xdist(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw3")
    assert worker_number() == 3
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    assert worker_number() == 0
