import json
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from abstracts.exchange import export_event
from conference.models import Event


class Command(BaseCommand):
    help = "Export an event in the exchange format (to standard output, or to a file with -o)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("-o", "--output", type=Path, help="write to this file")

    def handle(self, *args, slug: str, output: Path | None, **options):
        event = Event.objects.filter(slug=slug).first()
        if event is None:
            known = ", ".join(Event.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"no event {slug!r} (events: {known})")
        text = json.dumps(export_event(event), ensure_ascii=False, indent=2) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        # Written beside the target and renamed, so a reader never sees half a file.
        try:
            handle, temporary = tempfile.mkstemp(dir=output.parent or ".", prefix=f".{output.name}.")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, output)
        except OSError as error:
            raise CommandError(f"cannot write {output}: {error.strerror}") from None
        self.stderr.write(f"Exported {slug!r} to {output}")
