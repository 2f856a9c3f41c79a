"""The web line's access log gives the bytes each response sent, static files included."""

import re
import socket

from tests.processes import ROUTER_HEADERS, built_and_released, serving


def logged_bytes(output: str, path: str) -> list[int]:
    """The byte counts of the access log lines for GET `path`, in the log's order."""
    line = re.compile(rf'"GET {re.escape(path)} HTTP/1\.1" 200 (\S+) ')
    return [int(found.group(1)) for found in line.finditer(output)]


def test_static_files_are_logged_with_the_bytes_sent():
    """WhiteNoise hands gunicorn a file; gunicorn's sendfile path logged those as 0."""
    env = built_and_released("access_log")
    with serving(env) as web:
        home = web.get("/", ROUTER_HEADERS)
        stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)\?v=', home.text)
        assert stylesheet, home.text
        path = stylesheet.group(1)
        plain = web.get(path, ROUTER_HEADERS)
        gzipped = web.get(path, {**ROUTER_HEADERS, "Accept-Encoding": "gzip"})
        assert gzipped.headers.get("Content-Encoding") == "gzip"
    output = web.output()
    assert len(plain.body) > len(gzipped.body) > 0
    # Sorted: each line is written after its response is sent, so the second
    # request's line can come first.
    assert sorted(logged_bytes(output, path)) == sorted([len(plain.body), len(gzipped.body)]), (
        output
    )
    assert logged_bytes(output, "/") == [len(home.body)], output


def test_the_web_lines_own_logs_show_no_e_mail_address():
    """gunicorn logs with handlers of its own, past settings.LOGGING's formatter: a
    staff member searching the admin's users by address put it in the access log."""
    env = built_and_released("access_log_addresses")
    with serving(env) as web:
        web.get("/products/?q=ada@example.com", ROUTER_HEADERS)
        web.get("/accounts/password_reset/?email=bob%40example.com", ROUTER_HEADERS)
        web.get("/", {**ROUTER_HEADERS, "User-Agent": "carol@example.com"})
    output = web.output()
    # The query's parameter goes with it (a name and its value are one run).
    assert '"GET /products/?[Filtered] HTTP/1.1" 200' in output, output
    assert 'request_id=req-42 "[Filtered]"' in output  # the User-Agent
    for who in ("ada", "bob", "carol"):
        assert f"{who}@" not in output, output
        assert f"{who}%40" not in output, output


def test_statsd_metrics_still_go_out_when_asked_for():
    """gunicorn sends StatsD metrics (--statsd-host, as a Datadog agent's set-up adds
    to GUNICORN_CMD_ARGS) only through its own StatsD logger: the web line's filtering
    logger class, in its place, sent none, and said nothing."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as agent:
        agent.bind(("127.0.0.1", 0))
        agent.settimeout(10)
        env = built_and_released("access_log_statsd")
        env["GUNICORN_CMD_ARGS"] = f"--statsd-host=127.0.0.1:{agent.getsockname()[1]}"
        with serving(env) as web:
            web.get("/?q=ada@example.com", ROUTER_HEADERS)
            metric = agent.recv(4096).decode()
    assert metric.startswith("gunicorn."), metric
    assert "ada" not in web.output()
