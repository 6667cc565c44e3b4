from django.core.management.base import BaseCommand, CommandError

from conference.models import Event
from indexes.services import index_rebuild


class Command(BaseCommand):
    help = "Rebuild the author and keyword indexes now, in this process (all events, or one by slug)."

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help="only this event")

    def handle(self, *args, slug: str | None, **options):
        events = Event.objects.order_by("slug")
        if slug:
            events = events.filter(slug=slug)
            if not events.exists():
                known = ", ".join(Event.objects.values_list("slug", flat=True)) or "none"
                raise CommandError(f"no event {slug!r} (events: {known})")
        for event in events:
            build = index_rebuild(event_id=event.pk, force=True)
            self.stdout.write(
                f"{event.slug}: {build.authors} authors, {build.keywords} keywords "
                f"at revision {build.revision} in {build.seconds:.2f} s"
            )
