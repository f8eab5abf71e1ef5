import json

from django.core.management.base import BaseCommand

from aupres.audit.tasks import purge_expired


class Command(BaseCommand):
    help = "Anonymise the records kept past their service's retention period, and report what was done."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what is due, change nothing.")

    def handle(self, *args, dry_run=False, **options):
        result = purge_expired.enqueue(dry_run=dry_run)
        if result.is_finished:
            report = result.return_value
            self.stdout.write(json.dumps({k: v for k, v in report.items() if k != "person_ids"}, indent=1))
        else:
            self.stdout.write(f"Enqueued as task {result.id}.")
