#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    from config.commands import command_line_said

    said = command_line_said(sys.argv, os.environ)
    if said is not None:
        print(said, file=sys.stderr)
        sys.exit(2)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    from config.settings_module import named_by, refused

    given = named_by(sys.argv)  # --settings, as Django reads it, or the variable
    said = refused(os.environ["DJANGO_SETTINGS_MODULE"], given)
    if said is not None:
        sys.exit(said)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    from config import cancel_on_stop

    # Ctrl-C, SIGTERM and SIGHUP cancel the statement running, and end the command
    # without a traceback; installed before Django loads.
    cancel_on_stop.run(main)
