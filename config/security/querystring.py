"""Refuse a query string holding a NUL character (`%00`): the 400 page, on every page.

PostgreSQL cannot store or compare a string with a NUL in it, and psycopg2 refuses
to send one (ValueError). Django's form fields refuse it on their own, but a query
parameter reaches the database through paths that are no form: the admin's list
filters (`/admin/auth/user/?username=%00`) and its autocomplete (`?term=%00`)
answered 500. No page of the site takes a NUL in its query, so one is refused
before any view reads it. A percent-encoded NUL is the only way a query can carry
one: gunicorn refuses a raw NUL byte in the request line.
"""

from django.core.exceptions import BadRequest


class NulQueryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "%00" in request.META.get("QUERY_STRING", ""):
            raise BadRequest("A NUL character in the query string.")
        return self.get_response(request)
