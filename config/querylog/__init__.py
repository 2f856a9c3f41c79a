"""The query log every page shows: how many queries a request ran, their time, their SQL.

Public API: `QueryLogMiddleware` (settings: `QUERY_LOG = True`, the middleware
outside everything that queries, and `<!-- query-log -->` where a page wants the
log), `record()`, a context manager that collects the queries of any block, and
`panel()`, the HTML that replaces the marker. Django alone.

`QueryLogMiddleware` wraps each request in `connection.execute_wrapper`, so it
works with DEBUG off (Django's own `connection.queries` needs DEBUG). After the
response is rendered it:

- adds `Server-Timing: db;dur=<ms>;desc="<n> queries"` ("1 query"), which any browser's
  devtools show under Timing;
- replaces the `<!-- query-log -->` marker of an HTML page with the log itself,
  so the footer counts every query, including those run after it was rendered
  (session save, for one); under an answer marked `X-Page-Cache: hit` or
  `X-Kept-Content: hit` it says the page, or parts of it, were made by an
  earlier request.

The panel is built with string formatting, not a template: it is added to every
page, and a template render (engine, context, a filter per query) cost more than
some whole pages. A project that wants other markup changes `panel()`.

The SQL is shown as the application sent it, with `%s` placeholders rather than
values: a session key or an e-mail address never reaches the page.

Only answers to GET and HEAD show it. What a form's POST runs depends on what
the form looked up and counted, and its queries would tell a visitor about others:
a password reset that counts a second spelling when another account holds the
address, a login limit's or a throttle's first record of a key, which costs a
different number than the next. A POST's answer gets no header, and a page it
renders says in the log's place that its queries are not shown.

Off with `QUERY_LOG = False` (the middleware then removes itself at start-up;
this site reads its QUERY_LOG=off variable into that), the default outside
development: it shows internals to every visitor. Anything but True or False
stops start-up: a variable's "off", taken as it is, would be true.
"""

import re
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.db import connections
from django.utils.html import escape

MARKER = b"<!-- query-log -->"


# Django names a savepoint after the thread that made it, "s140563405436672_x1": an
# address in the worker's memory, which no page should show (django-axes records a
# failed login in a nested atomic block, so any visitor saw one). Its number goes
# too: it counts on with every savepoint the connection made, other visitors' too.
SAVEPOINT_NAME = re.compile(r'"s[0-9]+_x[0-9]+"')
# Methods whose answer shows the log (above): a form's POST shows nothing of it.
SHOWN_FOR = ("GET", "HEAD")


def shown(sql: str) -> str:
    """`sql` as the log keeps it: savepoint names without their thread or number."""
    return SAVEPOINT_NAME.sub('"s_x"', sql) if "SAVEPOINT" in sql else sql


@dataclass
class Query:
    sql: str
    ms: float
    many: bool = False


@dataclass
class QueryLog:
    """The queries one block of code ran, on every database connection."""

    queries: list[Query] = field(default_factory=list)
    # It is callable (the execute wrapper): templates must read it, not call it.
    do_not_call_in_templates = True

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(Query(shown(sql), (time.perf_counter() - started) * 1000, many))

    @property
    def count(self) -> int:
        return len(self.queries)

    @property
    def noun(self) -> str:
        return "query" if self.count == 1 else "queries"

    @property
    def ms(self) -> float:
        return sum(query.ms for query in self.queries)

    def server_timing(self) -> str:
        return f'db;dur={self.ms:.1f};desc="{self.count} {self.noun}"'


@contextmanager
def record() -> Iterator[QueryLog]:
    """Record every query run inside the block: `with record() as log: ...`."""
    log = QueryLog()
    with ExitStack() as stack:
        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(log))
        yield log


class QueryLogMiddleware:
    def __init__(self, get_response):
        shown = getattr(settings, "QUERY_LOG", False)
        if not isinstance(shown, bool):
            # A variable's text taken as it is: "off" is true, and would show every
            # visitor the SQL.
            raise ImproperlyConfigured(
                f"QUERY_LOG must be True or False, not {shown!r}: read the environment "
                "variable into a bool."
            )
        if not shown:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        with record() as log:
            request.query_log = log
            response = self.get_response(request)
        is_shown = request.method in SHOWN_FOR
        if is_shown:
            response["Server-Timing"] = log.server_timing()
        is_html = response.get("Content-Type", "").startswith("text/html")
        if is_html and not response.streaming and MARKER in response.content:
            if not is_shown:
                html = NOT_SHOWN
            else:
                # A page served from a page cache (X-Page-Cache: hit) says so beside its 0
                # queries, one that used parts an earlier request made (X-Kept-Content: hit)
                # beside its fewer.
                html = panel(
                    log,
                    from_page_cache=response.get("X-Page-Cache") == "hit",
                    with_kept_parts=response.get("X-Kept-Content") == "hit",
                )
            response.content = response.content.replace(MARKER, html.encode(), 1)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response


NOT_SHOWN = (
    '<p class="query-log">This page answers a form: its queries are not shown, as how '
    "many a form runs can tell about other accounts.</p>"
)


def panel(log: QueryLog, *, from_page_cache: bool = False, with_kept_parts: bool = False) -> str:
    """The footer's log: a <details> whose summary counts the queries, listing their SQL."""
    noun = log.noun
    cached = ""
    if from_page_cache:
        cached = (
            "<p>Served from the page cache: this page was rendered by an earlier request, "
            "which ran the queries.</p>\n  "
        )
    elif with_kept_parts:
        cached = (
            "<p>Parts of this page were kept from an earlier request, which ran their "
            "queries.</p>\n  "
        )
    items = "".join(
        f'<li><code>{escape(query.sql)}</code> <span class="ms">{query.ms:.2f} ms</span></li>'
        for query in log.queries
    )
    return (
        '<details class="query-log">\n'
        f"  <summary>This page ran <strong data-query-count>{log.count}</strong> "
        f"database {noun} in {log.ms:.1f} ms</summary>\n"
        f"  {cached}<ol>{items}</ol>\n"
        "</details>"
    )
