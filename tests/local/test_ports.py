"""The demo's PORT and DEMO_HOST checks, against real sockets on this machine."""

import errno
import os
import re
import socket

import pytest

from config.local import envfile, ports
from config.local.envfile import run_with
from config.local.ports import (
    DEFAULT_PORT,
    PortError,
    bind_error,
    check_port,
    free_port_near,
    parse_port,
)
from tests.processes import bindable, free_port


def listen(
    address: str, port: int = 0, v6only: bool | None = None, reuse: bool = False
) -> socket.socket:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    if reuse:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if v6only is not None:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, int(v6only))
    sock.bind((address, port))
    sock.listen()
    return sock


@pytest.mark.parametrize("value", [None, "", "  "])
def test_port_unset_or_blank_is_8000(value):
    assert parse_port(value) == DEFAULT_PORT == 8000


@pytest.mark.parametrize("value", ["9000", " 9000 ", "1", "65535", "08080", "0" * 5000 + "80"])
def test_port_numbers_are_read(value):
    assert parse_port(value) == int(value.strip().lstrip("0"))


@pytest.mark.parametrize("value", ["abc", "80.5", "-1", "0", "65536", "8000x", "٨٠٠٠", "1e3"])
def test_port_that_is_not_a_port_number_is_one_line(value):
    with pytest.raises(PortError) as caught:
        parse_port(value)
    message = str(caught.value)
    assert message.startswith(f"PORT must be a number from 1 to 65535, not {value!r}")
    assert "\n" not in message


@pytest.mark.parametrize("value", ["9" * 5000, "1" * 4301])
def test_a_port_of_thousands_of_digits_is_one_line_too(value):
    """int() refuses more than 4,300 digits with an error of its own: a traceback.
    Leading zeros are read as int() reads them: "0" * 5000 + "80" is port 80."""
    with pytest.raises(PortError) as caught:
        parse_port(value)
    message = str(caught.value)
    assert message.startswith("PORT must be a number from 1 to 65535, not '")
    assert len(message) < 200
    assert "\n" not in message


def test_free_port_passes():
    check_port("127.0.0.1", free_port())


@pytest.mark.parametrize(
    ("listener", "host", "shown"),
    [
        ("127.0.0.1", "127.0.0.1", "127.0.0.1"),
        # The URL the demo prints is localhost, which a browser may reach on ::1.
        ("::1", "127.0.0.1", "[::1]"),
        ("0.0.0.0", "127.0.0.1", "127.0.0.1"),
        ("127.0.0.1", "0.0.0.0", "0.0.0.0"),
        ("::1", "::", "[::]"),
        ("::1", "[::1]", "[::1]"),
        ("127.0.0.1", "localhost", "localhost"),
    ],
)
def test_busy_port_names_it_and_a_free_one(listener, host, shown):
    with listen(listener) as sock:
        port = sock.getsockname()[1]
        with pytest.raises(PortError) as caught:
            check_port(host, port)
    message = str(caught.value)
    assert message.startswith(f"Port {port} is in use on {shown}: stop what uses it or run PORT=")
    suggested = int(message.rsplit("PORT=", 1)[1].split()[0])
    assert suggested > port
    check_port(host, suggested)


def test_ipv6_only_listener_leaves_ipv4_only_demo_alone():
    """DEMO_HOST=0.0.0.0 asks for IPv4 only: a listener on ::1 alone is no conflict."""
    with listen("::1", v6only=True) as sock:
        check_port("0.0.0.0", sock.getsockname()[1])


def test_port_left_in_time_wait_is_free():
    """The last run's connections may linger in TIME_WAIT; gunicorn binds anyway
    (its sockets, and so their accepted connections, have SO_REUSEADDR)."""
    with listen("127.0.0.1", reuse=True) as server:
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server side closes first: its end waits in TIME_WAIT
        client.close()
    check_port("127.0.0.1", port)


def test_host_that_is_not_this_machine_is_one_line():
    with pytest.raises(PortError, match=r"^DEMO_HOST='no-such-host.invalid' is not an address"):
        check_port("no-such-host.invalid", free_port())
    with pytest.raises(PortError, match=r"^Cannot listen on 192\.0\.2\.1 port \d+: "):
        check_port("192.0.2.1", free_port())  # TEST-NET-1: no interface has it


@pytest.mark.parametrize(
    "host", ["[::1", "::1]", "[127.0.0.1]", "[local]host", "a" * 300, "a..b", "[]"]
)
def test_a_host_gunicorn_cannot_bind_is_one_line_before_anything_slow(host):
    """`[::1` passed (the brackets were dropped) and gunicorn stopped after the
    migrations and the seed; 300 letters raised the resolver's UnicodeError."""
    with pytest.raises(PortError, match=r"^DEMO_HOST=.* is not an address"):
        check_port(host, free_port())


@pytest.mark.parametrize("host", ["[" + "a" * 20_000, "a" * 20_000])
def test_a_long_host_is_shown_by_its_first_40_characters(host):
    """As the settings show a config var they refuse (config/env.py)."""
    with pytest.raises(PortError) as caught:
        check_port(host, free_port())
    assert "a" * 41 not in str(caught.value)
    assert f"({len(host)} characters)" in str(caught.value)


@pytest.mark.parametrize("host", ["[::1]", "::1"])
def test_ipv6_loopback_in_brackets_or_bare_is_taken(host):
    if bind_error("::1", 0) is None:
        check_port(host, free_port())
    else:  # a machine without IPv6 says so, in one line
        with pytest.raises(PortError, match=r"^Cannot listen on \[::1\]"):
            check_port(host, free_port())


@pytest.mark.parametrize(
    ("env_text", "told"),
    [
        ("", "run PORT=8000 pipenv run demo"),
        ("ENVIRONMENT=development\n", "run PORT=8000 pipenv run demo"),
        ("# PORT=80OO\nSPORT=1\n", "run PORT=8000 pipenv run demo"),
        ("PORT=80OO\n", "set PORT=8000 in .env"),
        ("  export PORT = 80OO\n", "set PORT=8000 in .env"),
        # Each line shape as pipenv's python-dotenv reads it.
        ("\ufeffPORT=80OO\n", "set PORT=8000 in .env"),  # a BOM (Windows Notepad)
        ("'PORT'=80OO\n", "set PORT=8000 in .env"),  # a quoted name
        ("PORT=80OO\r\n", "set PORT=8000 in .env"),
        ("PORT=\n", "set PORT=8000 in .env"),  # set, to nothing
        ("PORT\n", "run PORT=8000 pipenv run demo"),  # a name alone sets nothing
        ("X='a\nPORT=80OO'\n", "run PORT=8000 pipenv run demo"),  # inside a value
        ('X="a\nPORT=80OO"\n', "run PORT=8000 pipenv run demo"),
    ],
)
def test_a_port_set_in_env_is_to_be_changed_there(tmp_path, env_text, told):
    """pipenv reads .env over the shell: where .env set a bad PORT, the message
    said to run `PORT=8000 pipenv run demo`, which failed the same way."""
    env_file = tmp_path / ".env"
    env_file.write_text(env_text)
    assert run_with("PORT", DEFAULT_PORT, env_file).startswith(told)


@pytest.mark.parametrize(
    ("variables", "told"),
    [
        ({}, "set PORT=8000 in .env"),
        ({"PIPENV_DONT_LOAD_ENV": "1"}, "run PORT=8000 pipenv run demo"),
        ({"PIPENV_DONT_LOAD_ENV": "yes please"}, "run PORT=8000 pipenv run demo"),
        ({"PIPENV_DONT_LOAD_ENV": "0"}, "set PORT=8000 in .env"),
        ({"PIPENV_DONT_LOAD_ENV": ""}, "set PORT=8000 in .env"),
        ({"PIPENV_DOTENV_LOCATION": "other.env"}, "set PORT=8000 in other.env"),
        ({"PIPENV_DOTENV_LOCATION": "none.env"}, "run PORT=8000 pipenv run demo"),
    ],
)
def test_the_message_names_the_file_pipenv_loads(tmp_path, monkeypatch, variables, told):
    """pipenv loads no .env under PIPENV_DONT_LOAD_ENV (any value but an empty or a
    false one), and another file named by PIPENV_DOTENV_LOCATION: the message told to
    edit a .env pipenv does not read."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(envfile, "ENV_FILE", tmp_path / ".env")
    for name in ("PIPENV_DONT_LOAD_ENV", "PIPENV_DOTENV_LOCATION"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    (tmp_path / ".env").write_text("PORT=80OO\n")
    (tmp_path / "other.env").write_text("PORT=80OO\n")
    assert run_with("PORT", DEFAULT_PORT).startswith(told)


@pytest.mark.parametrize(
    ("host", "network"),
    [
        ("127.0.0.1", False),
        ("127.0.0.2", False),
        ("localhost", False),
        ("::1", False),
        ("[::1]", False),
        ("::ffff:127.0.0.1", False),
        ("0.0.0.0", True),
        ("::ffff:0.0.0.0", True),
        ("::", True),
        ("[::]", True),
    ],
)
def test_the_demo_warns_of_its_debug_pages_only_off_loopback(host, network):
    """DEMO_HOST=localhost or ::1 listens on this machine alone, as 127.0.0.1 does: the
    demo said its DEBUG pages were open to the network there too."""
    warning = ports.network_warning(host)
    assert (warning is not None) is network
    if network:
        assert warning == f"Listening on {host}: DEBUG pages are open to that network."


def held_ports(count: int) -> list[socket.socket]:
    """`count` consecutive ports of 18000-18999 listened on (127.0.0.1), with the
    port below them free when found: the edges of a search, on real sockets."""
    for first in range(18_001, 19_000 - count):
        if all(bindable(port) for port in range(first - 1, first + count)):
            return [listen("127.0.0.1", port) for port in range(first, first + count)]
    pytest.fail("no free ports left in 18000-18999")


@pytest.mark.parametrize("busy", [1, 2])
def test_with_nothing_free_above_a_busy_port_the_hint_looks_below(busy):
    """Port 65535 busy (one held, the top of the range searched), and 65534 busy with
    65535 (two held): the hint named the port above, 65536, which PORT refuses."""
    sockets = held_ports(busy)
    try:
        first = sockets[0].getsockname()[1]
        top = first + busy - 1
        found = free_port_near(first, "127.0.0.1", lowest=18_000, highest=top)
        assert found == first - 1
        check_port("127.0.0.1", found)
        assert free_port_near(first, "127.0.0.1", lowest=first, highest=top) is None
    finally:
        for sock in sockets:
            sock.close()


def fake_binds(monkeypatch, refused: dict[int, int]) -> None:
    """bind_error as if `refused` (port -> errno) held those ports: the edges at
    the top of all ports, without binding any."""

    def bind(address, port):
        if port in refused:
            return OSError(refused[port], os.strerror(refused[port]))
        return None

    monkeypatch.setattr(ports, "bind_error", bind)


ALL = range(65_300, 65_536)


@pytest.mark.parametrize(
    ("port", "refused", "hint"),
    [
        (65535, {65535: errno.EADDRINUSE}, "run PORT=65534 pipenv run demo"),
        (65534, dict.fromkeys([65534, 65535], errno.EADDRINUSE), "run PORT=65533 pipenv run demo"),
        (65535, dict.fromkeys(ALL, errno.EADDRINUSE), "no port from 65435 to 65535 was free"),
        (65500, dict.fromkeys(ALL, errno.EADDRINUSE), "no port from 65400 to 65535 was free"),
        # Below 1024 a user who is not root is refused: the hint named port 81.
        (80, {80: errno.EADDRINUSE, **dict.fromkeys(range(1, 1024), errno.EACCES)}, "no port"),
        (1023, {1023: errno.EADDRINUSE, **dict.fromkeys(range(1, 1023), errno.EACCES)}, "=1024"),
    ],
)
def test_the_hint_names_a_port_the_demo_accepts_or_none(monkeypatch, port, refused, hint):
    fake_binds(monkeypatch, refused | {port: errno.EADDRINUSE})
    with pytest.raises(PortError) as caught:
        check_port("127.0.0.1", port)
    message = str(caught.value)
    assert message.startswith(f"Port {port} is in use on 127.0.0.1")
    assert hint in message
    assert "\n" not in message
    for named in re.findall(r"PORT=(\d+)", message):
        assert parse_port(named) not in refused


def test_the_hint_skips_a_port_in_use_on_ipv6_loopback_alone(monkeypatch):
    """`localhost` may reach ::1 first: a port another program holds there is no port
    to name, though 127.0.0.1 has it free."""

    def bind(address, port):
        if port == 18_500 or (address == "::1" and port == 18_501):
            return OSError(errno.EADDRINUSE, os.strerror(errno.EADDRINUSE))
        return None

    monkeypatch.setattr(ports, "bind_error", bind)
    with pytest.raises(PortError) as caught:
        check_port("127.0.0.1", 18_500)
    assert "run PORT=18502 pipenv run demo" in str(caught.value)
