"""`manage.py restore FILE`: restores a backup made by `manage.py backup`, then checks every table's row
count and checksum against the backup's manifest (aupres/ops/backup.py).

    AUPRES_BACKUP_KEY=… python manage.py restore /var/backups/aupres/aupres-….backup --yes
    … restore FILE --database-url postgres://…/aupres_drill --files-dir /tmp/drill-files   # a restore drill

Into the configured database, stop the application servers and workers first: the tables are replaced.
"""

from django.core.management.base import BaseCommand, CommandError

from aupres.ops import backup


class Command(BaseCommand):
    help = "Restore an encrypted backup and verify it table by table."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--database-url", help="restore into this database instead of the configured one")
        parser.add_argument("--files-dir", help="restore the files here instead of AUPRES_VAR_DIR/files")
        parser.add_argument("--yes", action="store_true", help="replace the configured database without asking")

    def handle(self, *args, **options):
        if not options["database_url"] and not options["yes"]:
            raise CommandError("This replaces the configured database: add --yes, or give --database-url.")
        try:
            manifest, differences = backup.restore(options["path"], options["database_url"], options["files_dir"])
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        tables = manifest.get("tables", {})
        if differences:
            for table, (expected, found) in sorted(differences.items()):
                self.stderr.write(f"{table}: expected {expected}, found {found}")
            raise CommandError(f"Restored, but {len(differences)} tables differ from the backup.")
        self.stdout.write(f"restored {manifest['vendor']} backup of {manifest['created_at']}: {len(tables)} tables "
                          f"match the manifest (rows and checksums), {manifest['files']} files")
