"""Record the RPPS number of an account, so that its holder signs in through the identity provider (D55)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from aupres.accounts import services
from aupres.core.errors import DomainError


class Command(BaseCommand):
    help = "Link an account to a health professional's RPPS number (sign-in through Pro Santé Connect)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("rpps")

    def handle(self, username, rpps, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account {username!r}.")
        try:
            services.link_professional(user, rpps)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(f"Account {user.pk} linked to its RPPS number.")
