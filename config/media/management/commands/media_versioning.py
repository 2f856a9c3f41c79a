import argparse

from django.core.management.base import BaseCommand, CommandError

from config.media import versions
from config.media.management.commands._media import add_mfa_argument, media_errors


class Command(BaseCommand):
    help = (
        "Enable or suspend versioning of the media bucket, or show its status. "
        'MFA delete: --mfa-delete --mfa "SERIAL CODE", with the root user\'s credentials.'
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["enable", "suspend", "status"])
        parser.add_argument(
            "--mfa-delete",
            action=argparse.BooleanOptionalAction,
            help="Turn MFA delete on (or off with --no-mfa-delete); needs --mfa.",
        )
        add_mfa_argument(parser, "to change MFA delete, or versioning once it is on")

    def handle(self, *, action, mfa_delete, mfa, **options):
        if action == "status" and (mfa_delete is not None or mfa is not None):
            raise CommandError(
                "status changes nothing: --mfa-delete and --mfa go with enable or suspend."
            )
        with media_errors():
            if action == "status":
                versioning = versions.versioning_status()
            else:
                versioning = versions.set_versioning(
                    action == "enable", mfa_delete=mfa_delete, mfa=mfa
                )
            self.stdout.write(f"Versioning of bucket {versions.bucket_name()}: {versioning}")
