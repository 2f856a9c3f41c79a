"""A small SMTP server on 127.0.0.1 for tests and measurements, whose greeting waits.

Real mail servers make a client wait before their greeting (greylisting, a slow
network, a busy relay); the app must not make its visitors wait with it.

    with SMTPServer() as server:          # greets only after server.release()
        ...                               # the app connects; nothing is said yet
        server.release()
        message = server.next_message(timeout=10)

    with SMTPServer(greeting_delay=0.4):  # greets every connection 0.4 s after it opens
    with SMTPServer(greeting_delay=0, refuse_recipients=True):  # every RCPT: 550
    with SMTPServer(greeting_delay=0, refuse_messages=True):  # every message: 554, naming whom

It speaks just enough SMTP for Django's SMTP backend without TLS (EHLO/HELO,
MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps each message's envelope and text.
"""

import queue
import socket
import threading
from dataclasses import dataclass


@dataclass
class Received:
    sender: str
    recipients: list[str]
    text: str


class SMTPServer:
    def __init__(
        self,
        greeting_delay: float | None = None,
        refuse_recipients: bool = False,
        refuse_messages: bool = False,
    ):
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._delay = greeting_delay
        self._refuse = refuse_recipients
        self._refuse_messages = refuse_messages
        self._released = threading.Event()
        self._closing = threading.Event()
        self.connections = 0
        self.messages: queue.Queue[Received] = queue.Queue()
        self._threads: list[threading.Thread] = []

    def __enter__(self):
        self._start(self._accept)
        return self

    def __exit__(self, *exc):
        self._closing.set()
        self._released.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(5)

    def release(self) -> None:
        """Let every held connection, and every later one, get its greeting."""
        self._released.set()

    def next_message(self, timeout: float) -> Received:
        """The next message the server accepted; queue.Empty if none came within timeout."""
        return self.messages.get(timeout=timeout)

    def settings(self) -> dict:
        """Django settings that send mail here."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
        }

    def _start(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept(self) -> None:
        self._listener.settimeout(0.2)
        while not self._closing.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._start(self._serve, sock)

    def _serve(self, sock: socket.socket) -> None:
        with sock, sock.makefile("rb") as lines:
            if self._delay is None:
                self._released.wait()
            elif self._closing.wait(self._delay):
                return
            if self._closing.is_set():
                return
            sock.sendall(b"220 localhost test server\r\n")
            sender, recipients = "", []
            for raw in lines:
                command = raw.decode("ascii", "replace").strip()
                verb = command[:4].upper()
                if verb == "EHLO":
                    sock.sendall(b"250-localhost\r\n250 8BITMIME\r\n")
                elif verb == "MAIL":
                    sender, recipients = command.partition(":")[2].strip(" <>"), []
                    sock.sendall(b"250 OK\r\n")
                elif verb == "RCPT" and self._refuse:  # a mailbox that does not exist
                    sock.sendall(b"550 5.1.1 mailbox unavailable\r\n")
                elif verb == "RCPT":
                    recipients.append(command.partition(":")[2].strip(" <>"))
                    sock.sendall(b"250 OK\r\n")
                elif verb == "DATA":
                    sock.sendall(b"354 go on\r\n")
                    body = []
                    while (line := lines.readline()) not in (b".\r\n", b""):
                        body.append(line)
                    if self._refuse_messages:  # as a spam filter answers, naming whom
                        named = ", ".join(f"<{r}>" for r in recipients)
                        sock.sendall(f"554 5.7.1 {named}: message refused\r\n".encode())
                        continue
                    self.messages.put(Received(sender, recipients, b"".join(body).decode()))
                    sock.sendall(b"250 OK\r\n")
                elif verb == "QUIT":
                    sock.sendall(b"221 bye\r\n")
                    return
                else:  # HELO, RSET, NOOP
                    sock.sendall(b"250 OK\r\n")
