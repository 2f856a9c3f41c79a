import sys

# Python's bytecode caches on in the test processes, whatever PYTHONDONTWRITEBYTECODE
# says (container images often set it): without them each pytest-xdist worker
# rewrote every test module's assertions again on every run, about 2.7 s of CPU a
# worker (tests/test_parallel.py). Set here, before tests/conftest.py and the test
# modules are imported. The web processes the tests start write theirs anyway:
# tests/processes.py passes the variable to none of them.
sys.dont_write_bytecode = False
