"""Refuse a request carrying a NUL character, in its query string (`%00` or a raw one)
or in a header's value: the 400 page, on every page.

PostgreSQL cannot store or compare a string with a NUL in it, and psycopg2 refuses
to send one (ValueError). Django's form fields refuse it on their own, but other
parts of a request reach the database through paths that are no form:
- query parameters: the admin's list filters (`/admin/auth/user/?username=%00`)
  and its autocomplete (`?term=%00`) answered 500;
- headers: django-axes stores a login's User-Agent and Accept, and a NUL in
  either made every login, failed or not, a 500.
No page of the site takes a NUL in either, so one is refused before any view
reads them. gunicorn refuses a raw NUL byte in the request line and in a
header, so a percent-encoded one is all a query can carry there; but a fork may
serve the app with another server (or `runserver`), which passes a raw one on.

Cookies are left to their own guard (config/security/cookies.py): one of a shape
the app never issues, a NUL in it or not, is ignored as if absent, so a visitor
stuck with a junk cookie still gets every page.
"""

from django.core.exceptions import BadRequest


class NulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        query = meta.get("QUERY_STRING", "")
        if "%00" in query or "\0" in query:
            raise BadRequest("A NUL character in the query string.")
        for name, value in meta.items():
            # On every request: the name's checks only for a value holding a NUL
            # (WSGI's own entries are no strings; a decoded path is left to the URLs).
            if (
                type(value) is str
                and "\0" in value
                and name.startswith("HTTP_")
                and name != "HTTP_COOKIE"
            ):
                raise BadRequest(f"A NUL character in a header ({name}).")
        return self.get_response(request)
