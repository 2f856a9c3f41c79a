import socket

import pytest

from tests.processes import SilentServer


@pytest.fixture
def silent_port():
    """A port of 127.0.0.1 that accepts connections and never says a word."""
    server = SilentServer()
    yield server.port
    server.close()


@pytest.fixture
def dropping_port():
    """A port of 127.0.0.1 whose new connections never complete, as behind a firewall
    that drops packets: its one-place accept queue is full and never served, so the
    kernel ignores further connection requests."""
    server = socket.create_server(("127.0.0.1", 0), backlog=0)
    filler = socket.create_connection(server.getsockname())
    yield server.getsockname()[1]
    filler.close()
    server.close()
