"""The site's URLconf under i18n_patterns, as a fork that adds a language writes it
(tests/config/test_kept_keys.py)."""

from django.conf.urls.i18n import i18n_patterns

from config.urls import urlpatterns as site

urlpatterns = i18n_patterns(*site)
