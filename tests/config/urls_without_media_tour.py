"""The site's URLconf as a fork has it after removing versioned media's tour line."""

from config.urls import urlpatterns as site_patterns

urlpatterns = [p for p in site_patterns if getattr(p, "name", None) != "tour-s3-media"]
