from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from aupres.accounts.models import AccountKind
from aupres.demo.loader import DEMO_PASSWORD, DEMO_USERS, Demo


class Command(BaseCommand):
    help = ("Load the synthetic demo dataset (only with AUPRES_DEMO=1). Running it again adds what is missing "
            "and keeps what users changed.")

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--port", type=int, default=8000, help="the port the server will listen on")

    def handle(self, *args, persons, seed, port, **options):
        if not settings.DEMO:
            raise CommandError(_("Demo data and demo logins are only loaded when AUPRES_DEMO=1."))
        base_url = f"http://127.0.0.1:{port}/"
        demo = Demo(seed=seed, persons=persons, base_url=base_url)
        counts = demo.load()
        summary = ", ".join(f"{value} {label}" for label, value in counts.items())
        if demo.was_loaded:
            self.stdout.write(self.style.SUCCESS(_("Demo already loaded: what was missing was added, your changes "
                                                   "are kept (%(summary)s).") % {"summary": summary}))
            self.stdout.write(_("To start again from a fresh demo: stop the server, then run « make demo-reset » "
                                "and « make demo »."))
        else:
            self.stdout.write(self.style.SUCCESS(_("Demo loaded: %(summary)s.") % {"summary": summary}))
        self.stdout.write("")
        self.stdout.write(_("Demo accounts (password « %(password)s »):") % {"password": DEMO_PASSWORD})
        for username, (first, last, role) in DEMO_USERS.items():
            self.stdout.write(f"  {username:<12} {first} {last} — {role.label}")
        self.stdout.write(f"  {'regulateur':<12} Inès Roussel — {AccountKind.REGULATOR.label}")
        self.stdout.write("")
        self.stdout.write(_("Open %(url)s") % {"url": base_url})
