"""Which processes the tests start carry coverage's variables (pyproject.toml, patch)."""

from pathlib import Path

from tests.processes import production_env, released_database, run_python, serving

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
