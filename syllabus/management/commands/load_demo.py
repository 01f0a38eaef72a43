from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from syllabus.demo import TERM, demo_load
from syllabus.history import history_reason
from syllabus.models import Term

DEMO_ADMIN = ("admin", "admin")


class Command(BaseCommand):
    help = "Load the demo seminar (one term of weekly sessions). Running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only into a database without terms, so that `make run` never undoes your edits.",
        )
        parser.add_argument(
            "--admin",
            action="store_true",
            help="Also create the superuser admin/admin if it does not exist (only with DEBUG on).",
        )

    def handle(self, *args, admin: bool = False, if_empty: bool = False, **options):
        if admin and not settings.DEBUG:
            raise CommandError("--admin creates a known password and is refused unless DEBUG is on.")
        if if_empty and Term.objects.exists():
            self.stdout.write("The database already has terms; the demo was not loaded.")
        else:
            with history_reason("load_demo"):
                counts = demo_load()
            summary = ", ".join(f"{number} {noun}" for noun, number in counts.items())
            self.stdout.write(self.style.SUCCESS(f"Demo term {TERM['name']!r}: {summary}."))
        if admin:
            self._ensure_admin()

    def _ensure_admin(self) -> None:
        username, password = DEMO_ADMIN
        users = get_user_model().objects
        if users.filter(username=username).exists():
            self.stdout.write(f"User {username!r} already exists; its password is unchanged.")
            return
        users.create_superuser(username=username, email="", password=password)
        self.stdout.write(self.style.WARNING(f"Created superuser {username!r} with password {password!r}."))
