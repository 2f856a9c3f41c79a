"""What the media commands share: S3 and media errors become a message and exit code 1,
and the type of their number options."""

import argparse
import re
from contextlib import contextmanager

from django.core.management.base import CommandError

from config.media import versions


@contextmanager
def media_errors():
    try:
        yield
    except versions.MediaError as error:
        raise CommandError(str(error)) from error
    except versions.storage_errors() as error:
        raise CommandError(f"S3 refused or could not be reached: {error}") from error


def days(text: str) -> int:
    """argparse's `type` for a number of days or versions: ASCII digits, at most nine.

    As the project's other commands read numbers (config/commands.py, which this unit
    does not import): `int()` also took "١٢" and "1_0". S3 keeps these as 32-bit
    numbers, and nine digits stay under that.
    """
    if re.fullmatch(r"-?[0-9]{1,9}", text) is None:
        raise argparse.ArgumentTypeError(
            f"give a whole number in ASCII digits, at most nine, not {versions.shown(text)}"
        )
    return int(text)


def add_mfa_argument(parser, needed_for: str) -> None:
    parser.add_argument(
        "--mfa",
        metavar="SERIAL CODE",
        help=f"The MFA device's serial number (or ARN), a space, its current code: {needed_for}.",
    )
