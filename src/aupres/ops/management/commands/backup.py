"""`manage.py backup`: one encrypted file with the database and the uploaded files (aupres/ops/backup.py).

    AUPRES_BACKUP_KEY=… python manage.py backup [--output-dir DIR] [--keep-days 30]
    python manage.py backup --new-key      # prints a new key (keep it apart from the backups)
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aupres.ops import backup


class Command(BaseCommand):
    help = "Write an encrypted backup of the database and the uploaded files."

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", help="where to write it (default AUPRES_BACKUP_DIR)")
        parser.add_argument("--keep-days", type=int, default=settings.AUPRES_BACKUP_KEEP_DAYS,
                            help="then delete the backups of this directory older than this (0: keep all)")
        parser.add_argument("--no-checksums", action="store_true",
                            help="skip the per-table checksums of the manifest (very large databases)")
        parser.add_argument("--new-key", action="store_true", help="print a new AUPRES_BACKUP_KEY and exit")

    def handle(self, *args, **options):
        if options["new_key"]:
            self.stdout.write(backup.new_key())
            return
        try:
            path, manifest = backup.backup(options["output_dir"], checksums=not options["no_checksums"])
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        tables = manifest.get("tables", {})
        self.stdout.write(f"{path}: {manifest['vendor']}, {len(tables)} tables, "
                          f"{sum(n for n, _ in tables.values())} rows, {manifest['files']} files")
        if options["keep_days"]:
            gone = backup.prune(options["keep_days"], options["output_dir"])
            if gone:
                self.stdout.write(f"{gone} backups older than {options['keep_days']} days deleted")
