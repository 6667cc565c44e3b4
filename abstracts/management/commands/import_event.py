from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from abstracts.exchange import ExchangeError, import_event, parse_exchange


class Command(BaseCommand):
    help = "Import an event from an exchange-format JSON file (creates it, or updates it by slug)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="exchange-format JSON file")
        parser.add_argument("--slug", help="import into this event (default: the file's slug)")
        parser.add_argument("--publish", action="store_true", help="make the event public")

    def handle(self, *args, file: Path, slug: str | None, publish: bool, **options):
        try:
            raw = file.read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        try:
            report = import_event(parse_exchange(raw), slug=slug, publish=publish)
        except ExchangeError as error:
            count = len(error.problems)
            lines = "\n".join(f"  {problem}" for problem in error.problems[:50])
            more = f"\n  … and {count - 50} more" if count > 50 else ""
            raise CommandError(
                f"{file}: {count} problem{'s' if count != 1 else ''}, nothing was imported:\n{lines}{more}"
            ) from None
        for warning in report.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(self.style.SUCCESS(report.summary()))
