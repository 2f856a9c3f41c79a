"""The demo's port and host, checked before anything slow starts.

gunicorn reports a busy port as `Connection in use` five times, after the demo
has already migrated, seeded and said "Serving". `check_port()` finds it first,
the way gunicorn binds (SO_REUSEADDR, so a port left in TIME_WAIT by the last run
is free), and says in one line what to do.
"""

import errno
import ipaddress
import socket

from config.env import DEFAULT_WEB_PORT, port_number, shown
from config.local.envfile import run_with

DEFAULT_PORT = DEFAULT_WEB_PORT
NEARBY = 100  # ports searched on each side of a busy one, for the hint


class PortError(Exception):
    """A PORT or DEMO_HOST the demo cannot use; str() is the one-line message."""


def parse_port(value: str | None) -> int:
    """PORT as the web line reads it (config.env.port_number); unset or blank is 8000."""
    text = (value or "").strip()
    if not text:
        return DEFAULT_PORT
    port = port_number(text)
    if port is None:
        raise PortError(
            f"PORT must be a number from 1 to 65535, not {shown(value)}: "
            + run_with("PORT", DEFAULT_PORT)
        )
    return port


def probe_hosts(host: str) -> list[str]:
    """The addresses to try for the demo's host.

    `localhost` (the URL the demo prints) may reach 127.0.0.1 or ::1, whichever
    the browser tries first: for the default loopback address both must be free,
    or the browser may show whatever else listens on ::1.
    """
    host = host.strip("[]")
    return [host, "::1"] if host == "127.0.0.1" else [host]


def network_warning(host: str) -> str | None:
    """What the demo says when `host` (checked by `check_port`) is open to a network:
    any address it names that is not this machine's loopback (0.0.0.0, ::, a LAN
    address). None for 127.0.0.1, ::1, localhost, which no other machine reaches."""
    try:
        found = socket.getaddrinfo(host.strip("[]"), None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        found = []
    addresses = {ipaddress.ip_address(entry[4][0].partition("%")[0]) for entry in found}
    if addresses and all(_loopback(address) for address in addresses):
        return None
    return f"Listening on {host}: DEBUG pages are open to that network."


def _loopback(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Loopback, an IPv4 one written as IPv6 (::ffff:127.0.0.1) too, which Python
    3.11's `is_loopback` does not take for one."""
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def check_port(host: str, port: int) -> None:
    """Raise PortError unless gunicorn could bind `host:port` now."""
    # Brackets go around an IPv6 address whole, as in a URL: gunicorn reads "[::1"
    # as a host and an empty port.
    inner = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if "[" in inner or "]" in inner or (inner != host and ":" not in inner):
        message = f"DEMO_HOST={shown(host)} is not an address: brackets go around a whole IPv6 one"
        raise PortError(message + " ([::1]) or none.")
    try:
        refused = _refused(host, port)
    except (socket.gaierror, UnicodeError) as exc:  # UnicodeError: a label too long
        message = f"DEMO_HOST={shown(host)} is not an address of this machine ({exc})"
        raise PortError(message) from None
    if refused is None:
        return
    address, error = refused
    if error.errno == errno.EADDRINUSE:
        nearby = free_port_near(port, host)
        if nearby is None:
            low, high = max(port - NEARBY, 1), min(port + NEARBY, 65535)
            raise PortError(
                f"Port {port} is in use on {_bracketed(address)}, and no port from {low} "
                f"to {high} was free: stop what uses it or choose another PORT"
            )
        raise PortError(
            f"Port {port} is in use on {_bracketed(address)}: stop what uses it "
            f"or {run_with('PORT', nearby)}"
        )
    raise PortError(f"Cannot listen on {_bracketed(address)} port {port}: {error.strerror}")


def _refused(host: str, port: int) -> tuple[str, OSError] | None:
    """The first address `host` needs that gunicorn could not bind `port` on, with
    its error; None when the demo can listen there now."""
    for address in probe_hosts(host):
        error = bind_error(address, port)
        if error is None:
            continue
        if error.errno != errno.EADDRINUSE and address != host.strip("[]"):
            continue  # ::1 beside 127.0.0.1, and IPv6 is off: no browser reaches it either
        return address, error
    return None


def _bracketed(address: str) -> str:
    """An address as a URL writes it: IPv6 in brackets."""
    return f"[{address}]" if ":" in address else address


def bind_error(address: str, port: int) -> OSError | None:
    """The error binding `address:port` gives, as gunicorn binds (None: it is free).

    Like gunicorn, an address with a colon is IPv6 and a name resolves to IPv4.
    """
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        family, kind, proto, _, sockaddr = socket.getaddrinfo(
            address, port, family, socket.SOCK_STREAM
        )[0]
    except socket.gaierror:
        if address == "::1":
            return OSError(errno.EADDRNOTAVAIL, "no IPv6 on this machine")
        raise
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(sockaddr)
    except OSError as exc:
        return exc
    return None


def free_port_near(port: int, host: str, lowest: int = 1, highest: int = 65535) -> int | None:
    """A port the demo could listen on now, for the hint: the first of the NEARBY
    above `port`, else the nearest of the NEARBY below; None if none is. Never past
    `lowest` and `highest`, the ports PORT accepts (a test narrows them, to reach
    the edges without binding the top ports): above 65535 was 65536, which PORT
    refuses. Free as check_port means it: a port below 1024 that only root may
    bind is not."""
    above = range(port + 1, min(port + NEARBY, highest) + 1)
    below = range(port - 1, max(port - NEARBY, lowest) - 1, -1)
    for candidate in (*above, *below):
        try:
            if _refused(host, candidate) is None:
                return candidate
        except (socket.gaierror, UnicodeError):
            return None
    return None
