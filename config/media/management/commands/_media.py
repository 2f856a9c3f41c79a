"""What the media commands share: S3 and media errors become a message and exit code 1."""

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
    except versions.STORAGE_ERRORS as error:
        raise CommandError(f"S3 refused or could not be reached: {error}") from error


# What S3's x-amz-mfa header carries: the device's serial number or ARN, a space,
# and the six digits it shows now.
MFA_VALUE = re.compile(r"\S+ \d{6}")


def mfa_value(text: str) -> str:
    if not MFA_VALUE.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(
            "give the MFA device's serial number (or ARN), a space and its current "
            'six-digit code, e.g. "arn:aws:iam::123456789012:mfa/root-device 123456"'
        )
    return text.strip()


def add_mfa_argument(parser, needed_for: str) -> None:
    parser.add_argument(
        "--mfa",
        type=mfa_value,
        metavar="SERIAL CODE",
        help=f"The MFA device's serial number (or ARN), a space, its current code: {needed_for}.",
    )
