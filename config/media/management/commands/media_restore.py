from django.core.management.base import BaseCommand

from config.media import versions
from config.media.management.commands._media import add_mfa_argument, media_errors


class Command(BaseCommand):
    help = (
        "Restore a media file: remove the delete markers over it, or with --version copy that "
        "version over the current one. Exit code 1 when there is nothing to restore."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # Here --version names the file's version; it replaces Django's own --version.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file's storage name, as its FileField holds it.")
        parser.add_argument("--version", dest="version_id", metavar="ID")
        add_mfa_argument(parser, "to remove a delete marker once MFA delete is on")

    def handle(self, *, path, version_id, mfa, **options):
        with media_errors():
            current = versions.restore(path, version_id, mfa=mfa)
        how = (
            f"copied version {version_id} over it"
            if version_id
            else "removed the delete marker(s) over it"
        )
        self.stdout.write(f"Restored {path}: {how}; current version is {current.version_id}.")
