import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from abstracts.exchange import import_event, parse_exchange
from conference.models import Event, Session

DEMO_FILE = settings.BASE_DIR / "demo" / "helmholtz-ai-kickoff-2020.json"
PASSWORD_FILE = settings.VAR_DIR / "demo-admin-password.txt"
OPEN_CALL_SLUG = "demo-open-call"


class Command(BaseCommand):
    help = "Load the demo conference (once) and make sure there is an admin account; print its login."

    def handle(self, *args, **options):
        data = parse_exchange(DEMO_FILE.read_bytes())
        if not Event.objects.filter(slug="helmholtz-ai-kick-off-2020").exists():
            report = import_event(data, publish=True)
            self.stdout.write(report.summary())
        self.open_call_event()

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
            self.style.SUCCESS(f"Admin login: admin / {password}  ({settings.SITE_URL.rstrip('/')}/admin/)")
        )

    def open_call_event(self) -> None:
        """An event whose call for abstracts is open, to try the submission form on."""
        now = timezone.now()
        event, created = Event.objects.get_or_create(
            slug=OPEN_CALL_SLUG,
            defaults={
                "name": "Demo Symposium on Imaging and Data (call for abstracts open)",
                "short_name": "Demo Symposium",
                "start_date": date.today() + timedelta(days=120),
                "venue": "Jülich",
                "is_published": True,
                "word_limit": 300,
                "poster_code_pattern": "PS-{n:02d}",
            },
        )
        if event.call_deadline is None or event.call_deadline < now:
            event.call_opens_at = now - timedelta(days=1)
            event.call_deadline = now + timedelta(days=60)
            event.save(update_fields=["call_opens_at", "call_deadline"])
        if created:
            for order, title in enumerate(["Biomedicine", "Earth and environment", "Methods and tools"], 1):
                Session.objects.create(event=event, title=title, order=order)
            self.stdout.write(f"Demo event with an open call: /events/{OPEN_CALL_SLUG}/")
