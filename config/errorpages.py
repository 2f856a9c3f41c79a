"""Every error answer is a page, and no cache keeps it.

A method a URL does not take is Django's `HttpResponseNotAllowed`, a 405 with an
empty body: a form or script that posts to a catalog page showed a blank page.
Such a 405 gets `405.html` (standalone: no request context, no database).

Django gives its 4xx pages no Cache-Control, and RFC 9111 lets a shared cache keep
a 404 or a 405 by heuristics: a proxy or CDN in front could go on answering "not
found" after the product was published, or keep a 429 for others. An error answer
(4xx or 5xx) that says nothing of caching is marked never to be kept, as the 503
page is (config/views.py); one that does say (a logged-in visitor's, `private`:
config/security/headers.py) is left as is.
"""

from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from config.security.headers import CSPMiddleware


class ErrorAnswersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # The page it gives an answer made outside the CSP middleware (a static
        # file's 405, from WhiteNoise further out) gets the policy every page has.
        self.csp = CSPMiddleware(get_response)

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400:
            return response
        if response.status_code == 405 and not response.streaming and not response.content:
            response.content = render_to_string("405.html")
            response["Content-Type"] = "text/html; charset=utf-8"
            # CommonMiddleware, further in, declared the empty body's 0, and gunicorn
            # sends no more bytes than that.
            response["Content-Length"] = str(len(response.content))
            self.csp.process_response(request, response)  # where none is set yet
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
