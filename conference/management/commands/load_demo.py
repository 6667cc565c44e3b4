import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from abstracts.exchange import import_event, parse_exchange
from conference.models import Event

DEMO_FILE = settings.BASE_DIR / "demo" / "helmholtz-ai-kickoff-2020.json"
PASSWORD_FILE = settings.VAR_DIR / "demo-admin-password.txt"


class Command(BaseCommand):
    help = "Load the demo conference (once) and make sure there is an admin account; print its login."

    def handle(self, *args, **options):
        data = parse_exchange(DEMO_FILE.read_bytes())
        if not Event.objects.filter(slug="helmholtz-ai-kick-off-2020").exists():
            report = import_event(data, publish=True)
            self.stdout.write(report.summary())

        User = get_user_model()
        if PASSWORD_FILE.exists():
            password = PASSWORD_FILE.read_text().strip()
        else:
            password = secrets.token_urlsafe(12)
            PASSWORD_FILE.write_text(password + "\n")
            PASSWORD_FILE.chmod(0o600)
        admin = User.objects.filter(username="admin").first()
        if admin is None:
            User.objects.create_superuser("admin", "admin@localhost", password)
        elif not admin.check_password(password):
            self.stdout.write("An 'admin' account exists with another password; it was left as it is.")
            return
        self.stdout.write(
            self.style.SUCCESS(f"Admin login: admin / {password}  (http://127.0.0.1:8000/admin/)")
        )
