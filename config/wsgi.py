"""WSGI entry point: the Procfile's web line serves `config.wsgi:application`.

Django's application is wrapped in the request body limit (config/security/bodylimit.py),
which refuses oversized bodies before anything reads them.
"""

import os

from django.core.wsgi import get_wsgi_application

from config import cache
from config.security.bodylimit import BodyLimit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = BodyLimit(get_wsgi_application())

# Loaded here, before gunicorn forks its workers (preload_app), so they share it.
cache.load_clients()
