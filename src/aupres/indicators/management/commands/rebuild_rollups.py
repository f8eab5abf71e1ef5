"""`manage.py rebuild_rollups --year 2025 [--service ID …] [--verify-only]` (docs/indicators.md, "Rollups").

The full, LOCKED rebuild of the rollups of a year: while it runs (about two minutes per year at
20 M encounters), every write of an encounter or act waits. For operators: after a load written
with triggers disabled, or to repair the services that the nightly verification reported.
`--verify-only` runs that verification instead (no lock, no write)."""

from django.core.management.base import BaseCommand, CommandError

from aupres.indicators import services
from aupres.services.models import Service


class Command(BaseCommand):
    help = "Rebuild (locked) or verify (no lock) the indicator rollups of a year."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--service", type=int, action="append", dest="service_ids",
                            help="Rebuild only this service (repeatable). Default: every service.")
        parser.add_argument("--verify-only", action="store_true",
                            help="Compare the rollups with the raw tables, without locking; change nothing.")

    def handle(self, *args, year, service_ids, verify_only, **options):
        if not 2000 <= year <= 2100:
            raise CommandError("--year must be between 2000 and 2100.")
        if verify_only:
            bad = services.verify_rollups(year)
            self.stdout.write(f"{year}: {len(bad)} services whose rollups differ from the raw tables"
                              + (f": {' '.join(map(str, bad))}" if bad else "."))
            return
        if service_ids:
            unknown = set(service_ids) - set(Service.objects.filter(pk__in=service_ids).values_list("pk", flat=True))
            if unknown:
                raise CommandError(f"Unknown services: {sorted(unknown)}")
        services.refresh_rollups(year, service_ids)
        scope = f"{len(service_ids)} services" if service_ids else "every service"
        self.stdout.write(f"{year}: rollups rebuilt for {scope}.")
