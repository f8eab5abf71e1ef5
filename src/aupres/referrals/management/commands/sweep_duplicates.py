from django.core.management.base import BaseCommand

from aupres.referrals import sweep


class Command(BaseCommand):
    help = "Sweep the whole base for probable duplicate pairs (the heads of service's review queue)."

    def add_arguments(self, parser):
        parser.add_argument("--threshold", type=float, default=sweep.THRESHOLD)

    def handle(self, *args, threshold=sweep.THRESHOLD, **options):
        report = sweep.run(threshold=threshold)
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in report.items()))
