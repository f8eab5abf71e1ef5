from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aupres.demo.loader import DEMO_PASSWORD, DEMO_USERS, Demo


class Command(BaseCommand):
    help = "Load the synthetic demo dataset (only with AUPRES_DEMO=1). Running it twice adds nothing."

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, persons, seed, **options):
        if not settings.DEMO:
            raise CommandError("Demo data and demo logins are only loaded when AUPRES_DEMO=1.")
        counts = Demo(seed=seed, persons=persons).load()
        self.stdout.write(self.style.SUCCESS(
            "Démo chargée : " + ", ".join(f"{v} {k}" for k, v in counts.items())))
        self.stdout.write("")
        self.stdout.write("Comptes de démonstration (mot de passe « %s ») :" % DEMO_PASSWORD)
        for username, (first, last, role) in DEMO_USERS.items():
            self.stdout.write(f"  {username:<12} {first} {last} — {role.label}")
        self.stdout.write("")
        self.stdout.write("Ouvrez http://127.0.0.1:8000/")
