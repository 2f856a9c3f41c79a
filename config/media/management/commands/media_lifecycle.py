import json

from django.core.management.base import BaseCommand, CommandError

from config.media import versions
from config.media.management.commands._media import days, media_errors


class Command(BaseCommand):
    help = (
        "Set the media bucket's lifecycle rule: expire non-current versions after N days "
        "(keeping the newest M), remove orphaned delete markers, abort stale multipart uploads."
    )

    def add_arguments(self, parser):
        # Defaults applied in handle(): --show with any of them is refused, not ignored.
        # The bounds are put_lifecycle's (config/media/versions.py); `days` reads nine digits.
        parser.add_argument(
            "--noncurrent-days",
            type=days,
            metavar="N",
            help="expire a version N days after it stops being current (default 30, from 1 "
            "to 999,999,999)",
        )
        parser.add_argument(
            "--keep-versions",
            type=days,
            metavar="M",
            help="but keep the newest M of them (default 3, from 0 to 100: S3's limit)",
        )
        parser.add_argument(
            "--abort-multipart-days",
            type=days,
            metavar="D",
            help="abort an upload left unfinished for D days (default 7, from 1 to 999,999,999)",
        )
        parser.add_argument(
            "--show", action="store_true", help="Only print the bucket's lifecycle rules."
        )

    def handle(self, *, noncurrent_days, keep_versions, abort_multipart_days, show, **options):
        rule = (noncurrent_days, keep_versions, abort_multipart_days)
        if show and rule != (None, None, None):
            raise CommandError(
                "--show changes nothing: leave it out to set the rule with those numbers."
            )
        with media_errors():
            if not show:
                versions.put_lifecycle(
                    noncurrent_days=30 if noncurrent_days is None else noncurrent_days,
                    keep_versions=3 if keep_versions is None else keep_versions,
                    abort_days=7 if abort_multipart_days is None else abort_multipart_days,
                )
            rules = versions.lifecycle_rules()
            # Its rule expires non-current versions, which a bucket without versioning
            # never makes: what is deleted or written over there is gone at once.
            note = versions.unversioned_note([])
        self.stdout.write(f"Lifecycle rules of bucket {versions.bucket_name()}:")
        self.stdout.write(json.dumps(rules, indent=2) if rules else "none")
        if note:  # on stderr, as media_versions writes it
            self.stderr.write(note)
