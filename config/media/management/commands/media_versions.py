from django.core.management.base import BaseCommand, CommandError

from config.media import versions
from config.media.management.commands._media import media_errors


class Command(BaseCommand):
    help = "List the versions and delete markers of a media file, newest first."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file's storage name, as its FileField holds it.")

    def handle(self, *, path, **options):
        with media_errors():
            found = versions.list_versions(path)
            # On a bucket whose versioning is off: why nothing, or one version, is listed.
            note = versions.unversioned_note(found)
        if not found:
            unknown = f"No file named {path!r} in bucket {versions.bucket_name()!r}."
            raise CommandError(f"{unknown} {note}" if note else unknown)
        rows = [("VERSION ID", "KIND", "CURRENT", "LAST MODIFIED (UTC)", "SIZE")]
        rows += [
            (
                v.version_id,
                "delete marker" if v.is_delete_marker else "version",
                "yes" if v.is_latest else "",
                f"{v.last_modified:%Y-%m-%d %H:%M:%S}",
                "" if v.size is None else str(v.size),
            )
            for v in found
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write(
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
        if note:  # on stderr: the table on stdout stays one a script can read
            self.stderr.write(note)
