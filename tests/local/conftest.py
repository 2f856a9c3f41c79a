import pytest

from tests.processes import closed_port


@pytest.fixture
def behind_a_proxy() -> dict[str, str]:
    """A shell's variables naming a proxy that refuses every connection, for the
    length of the test, and no host it bypasses (tests/local/test_proxies.py)."""
    with closed_port() as port:
        proxy = f"http://127.0.0.1:{port}"
        names = [f"{scheme}_proxy" for scheme in ("http", "https", "all")]
        yield {
            **dict.fromkeys(names, proxy),
            **dict.fromkeys(map(str.upper, names), proxy),
            "no_proxy": "",
            "NO_PROXY": "",
        }
