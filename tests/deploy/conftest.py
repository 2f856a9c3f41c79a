import socket
import threading

import pytest


@pytest.fixture
def silent_port():
    """A port of 127.0.0.1 that accepts connections and never says a word."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    closing = threading.Event()

    def hold():
        server.settimeout(0.2)
        while not closing.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=hold)
    thread.start()
    yield server.getsockname()[1]
    closing.set()
    thread.join(5)
    for sock in [*held, server]:
        sock.close()


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
