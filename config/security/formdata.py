"""A form body whose parsing raises an error Django does not answer, or a body that is
no form, is the 400 page, but for views marked `@takes_any_body`.

`UnparsableFormMiddleware` reads `request.POST` just before the CSRF check would
(place it straight before CsrfViewMiddleware), on the requests that check reads
the form of: a POST to a view that is not `csrf_exempt`, carrying a CSRF cookie
(or any, where CSRF_USE_SESSIONS keeps the token in the session).
Django answers what it knows a malformed body raises (MultiPartParserError, too
many fields or files, too large) with a 400, but the standard library's header
parser raises TypeError for a part header with a parameter written both whole and
in RFC 2231 parts (`name*=a; name*0=b`), and that was a 500, with an error event
in Sentry, on any such POST. What the parsing raises of TypeError, ValueError
and LookupError is now a BadRequest: the 400 page. So is a body that ended
before its length (UnreadablePostError: a client gone mid-body), whatever
carries the CSRF token. Anything else (a full disk under an upload handler,
say) stays a server error.

A body of any other type than a form's (JSON, plain text, none: what a script or
an API client sends, with the token in the `X-CSRFToken` header) is the 400 page
too: Django parses a POST's body only as `application/x-www-form-urlencoded` or
`multipart/form-data`, and gave the view an empty form, which the profile's is
when valid: a member's name, bio and company were saved empty. So is a form body
holding no field at all, its token in the header (what a browser's form never
sends: its token is one of its fields).

So is a multipart body that stops before its closing boundary (`--boundary--`),
though its Content-Length was right: a client's or a proxy's cut. Django keeps
what came of its last part as the part: a bio was saved cut mid-sentence, and
in the admin a product's last checkbox was lost and the product unpublished.

A `csrf_exempt` view's body is left unread, as the CSRF check leaves it: such a
view may read `request.body` or change `request.upload_handlers` first. So is the
body of a view marked `@takes_any_body` when it is not a form: one that reads JSON
a script sends, with the CSRF token in the `X-CSRFToken` header, as Django's docs
show; Django's CSRF check still runs for it. Such a body is read whole before the
view runs: one that ended before its length is the 400 page, where the view's read
raised. A form body such a view gets is checked
as above (a parser's error is the 400 page, not the CSRF check's 500; a body cut
before its closing boundary is refused), but may hold no field (an htmx button's
empty POST). Each refusal's log line names the decorator, for the developer whose
view it refused.
"""

from functools import wraps

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import UnreadablePostError

# Said after each refusal in the log (the 400 page says nothing of it to a visitor).
HOW_TO_TAKE = (
    " A view that reads another body (JSON, an empty POST) is marked "
    "@config.security.formdata.takes_any_body."
)


def takes_any_body(view):
    """Mark `view` (a function, async or not, or a class-based view's as_view()) as
    reading a POST body other than a form, or none: such a body is left to it, and
    Django's CSRF check, which reads the token from the X-CSRFToken header, still
    runs. A form body it gets is checked as any view's is, but for holding no field."""
    if iscoroutinefunction(view):

        async def marked(*args, **kwargs):
            return await view(*args, **kwargs)

    else:

        def marked(*args, **kwargs):
            return view(*args, **kwargs)

    marked.takes_any_body = True
    return wraps(view)(marked)


# The bodies Django parses into request.POST (HttpRequest._load_post_and_files).
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class UnparsableFormMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        if (
            request.method != "POST"  # Django parses the body of a POST only
            or getattr(view, "csrf_exempt", False)
            or not (settings.CSRF_USE_SESSIONS or settings.CSRF_COOKIE_NAME in request.COOKIES)
        ):
            return None
        any_body = getattr(view, "takes_any_body", False)
        if request.content_type not in FORM_TYPES:
            if not any_body:
                raise BadRequest("The request's body is not a form." + HOW_TO_TAKE)
            try:  # its own to read, once it has all come: Django's CSRF check reads none
                request.body  # noqa: B018 (read, and kept on the request)
            except UnreadablePostError as error:
                raise BadRequest("The request's body ended before its length.") from error
            return None
        closing = None
        if request.content_type == "multipart/form-data" and not hasattr(request, "_post"):
            closing = ClosingBoundary(request)
        try:
            request.POST  # noqa: B018 (parsed, and kept on the request)
        except UnreadablePostError as error:
            # A client gone mid-body (config/security/bodylimit.py): what came is no
            # form. The CSRF check would refuse it only when the token was in the body;
            # with the token in a header it passed, and the view got an empty form
            # (an empty profile form is a valid one, and was saved).
            raise BadRequest("The request's body ended before its length.") from error
        except (TypeError, ValueError, LookupError) as error:
            raise BadRequest("The form's body does not parse.") from error
        if (
            not (request.POST or request.FILES)
            and settings.CSRF_HEADER_NAME in request.META
            and not any_body
        ):
            # No field, its token in the header: a browser's form sends its fields and
            # the token among them. Such an empty form was the view's too.
            raise BadRequest("The form's body holds no field." + HOW_TO_TAKE)
        if closing is not None and not closing.seen:
            raise BadRequest("The form's body ended before its closing boundary.")
        return None


class ClosingBoundary:
    """Watches the request's body as the multipart parser reads it (to its end, which
    the parser always reads) for the closing delimiter, `--` + boundary + `--`."""

    def __init__(self, request):
        boundary = request.content_params.get("boundary", "")
        self.delimiter = b"--" + boundary.encode("ascii", "replace") + b"--"
        self.seen, self.tail = False, b""
        if hasattr(request, "_body"):  # read already: the parser reads that copy
            self.seen = self.delimiter in request._body
        else:
            self.stream, request._stream = request._stream, self

    def read(self, *args) -> bytes:
        return self.watched(self.stream.read(*args))

    def readline(self, *args) -> bytes:
        return self.watched(self.stream.readline(*args))

    def watched(self, chunk: bytes) -> bytes:
        if not self.seen and chunk:
            window = self.tail + chunk
            self.seen = self.delimiter in window
            self.tail = window[-len(self.delimiter) :]
        return chunk
