"""A form body Django's parser fails on with an error of its own is the 400 page.

`UnparsableFormMiddleware` reads `request.POST` just before the CSRF check would
(place it straight before CsrfViewMiddleware). Django answers what it knows a
malformed body raises (MultiPartParserError, too many fields or files, too
large) with a 400 or 413, but the standard library's header parser raises
TypeError for a part header with a parameter written both whole and in RFC 2231
parts (`name*=a; name*0=b`), and that was a 500, with an error event in Sentry,
on any POST carrying a CSRF cookie. Anything the parser raises that Django does
not answer itself is now a BadRequest: the 400 page.

A view that changes `request.upload_handlers` must do so before this reads the
body, as before CsrfViewMiddleware's check (`csrf_exempt`, then `csrf_protect`
inside the view, is Django's documented way).
"""

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import UnreadablePostError
from django.http.multipartparser import MultiPartParserError


class UnparsableFormMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        if request.method != "POST":  # Django parses the body of a POST only
            return None
        try:
            request.POST  # noqa: B018 (parsed, and kept on the request)
        except (SuspiciousOperation, MultiPartParserError):
            raise  # Django answers these itself: a 400, or a 413 for a body too large
        except UnreadablePostError:
            return None  # a client gone mid-body: the CSRF check reads it as before
        except Exception as error:
            raise BadRequest("The form's body does not parse.") from error
        return None
