from django.core.management.base import BaseCommand, CommandError

from aupres.accounts import services
from aupres.accounts.models import User


class Command(BaseCommand):
    help = "Open again the second-factor step of an account locked after too many wrong codes."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError("No such account.")
        if services.unlock_second_factor(user):
            self.stdout.write("Unlocked.")
        else:
            self.stdout.write("This account was not locked.")
