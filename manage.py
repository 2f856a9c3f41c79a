#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
from importlib import import_module


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:  # the settings module reads the environment as it loads
        import_module(os.environ["DJANGO_SETTINGS_MODULE"])
    except ImproperlyConfigured as error:
        # A missing or invalid variable: its message says what to set; a traceback
        # through the settings module would only bury it.
        sys.exit(f"Error: {error}")
    try:
        execute_from_command_line(sys.argv)
    except KeyboardInterrupt:
        # Ctrl-C: the command stops as a shell's does, with 130 and no traceback.
        sys.exit(130)


if __name__ == "__main__":
    main()
