import json

from django.core.management.base import BaseCommand

from config.media import versions
from config.media.management.commands._media import media_errors


class Command(BaseCommand):
    help = (
        "Set the media bucket's lifecycle rule: expire non-current versions after N days "
        "(keeping the newest M), remove orphaned delete markers, abort stale multipart uploads."
    )

    def add_arguments(self, parser):
        parser.add_argument("--noncurrent-days", type=int, default=30, metavar="N")
        parser.add_argument("--keep-versions", type=int, default=3, metavar="M")
        parser.add_argument("--abort-multipart-days", type=int, default=7, metavar="D")
        parser.add_argument(
            "--show", action="store_true", help="Only print the bucket's lifecycle rules."
        )

    def handle(self, *, noncurrent_days, keep_versions, abort_multipart_days, show, **options):
        with media_errors():
            if not show:
                versions.put_lifecycle(
                    noncurrent_days=noncurrent_days,
                    keep_versions=keep_versions,
                    abort_days=abort_multipart_days,
                )
            rules = versions.lifecycle_rules()
        self.stdout.write(f"Lifecycle rules of bucket {versions.bucket_name()}:")
        self.stdout.write(json.dumps(rules, indent=2) if rules else "none")
