"""What the media commands share: S3 and media errors become a message and exit code 1."""

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


def add_mfa_argument(parser, needed_for: str) -> None:
    parser.add_argument(
        "--mfa",
        metavar="SERIAL CODE",
        help=f"The MFA device's serial number (or ARN), a space, its current code: {needed_for}.",
    )
