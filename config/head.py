"""HEAD requests answered with the headers of a GET and no body (RFC 9110, 9.3.2).

Django leaves dropping a HEAD's body to the server: its development server and
test client do, and gunicorn does too, but logs a warning for every one ("WSGI
app sent body bytes on a no-body response"): a line in `heroku logs` for each
ping of an uptime monitor, most of which send HEAD. First in MIDDLEWARE, this
sees each response last, when every header is final: it keeps them all
(Content-Length the body's, as a GET gets it) and sends the body empty. Every
other answer gets its Content-Length here too, where nothing inside gave it one.

Everything inside sees the HEAD as the GET it stands for: views that ask
`request.method == "GET"` read a HEAD otherwise (Django's admin login redirects
staff's GET to the admin, and showed them the form on a HEAD). Without its
Range and If-Range: RFC 9110 defines ranges for GET alone, and a HEAD gets the
whole representation's headers (WhiteNoise answered it 206 or 416 as a GET).
"""

# Request headers that a GET has and a HEAD must not: ranges are for GET alone.
GET_ONLY = ("HTTP_RANGE", "HTTP_IF_RANGE")


class HeadRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "HEAD":
            return with_length(self.get_response(request))
        request.method = "GET"
        for name in GET_ONLY:
            request.META.pop(name, None)
        try:
            response = self.get_response(request)
        finally:
            request.method = "HEAD"  # for what reads the request afterwards (logs, Sentry)
        if response.streaming:
            # A file's response keeps its closer: the server's close() still runs it.
            response.streaming_content = ()
        else:
            with_length(response)
            response.content = b""
        return response


def with_length(response):
    """`response` with the Content-Length of its body, unless it streams. Django's
    CommonMiddleware sets it on what passes through it; an answer made further out
    (the 400 for a host not allowed, /healthz) had none, and gunicorn sent a GET of
    it chunked where the HEAD had its length."""
    if not response.streaming and "Content-Length" not in response.headers:
        response.headers["Content-Length"] = str(len(response.content))
    return response
