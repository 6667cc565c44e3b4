import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from books.services import BookError, build_book_now
from conference.models import Event


class Command(BaseCommand):
    help = "Build an event's book of abstracts now (not through Celery) and print its pages and seconds."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the event's slug")
        parser.add_argument("-o", "--output", type=Path, help="also write the PDF to this file")
        parser.add_argument(
            "--processes", type=int, default=None, help="processes laying out slices (default BOOK_PROCESSES)"
        )

    def handle(self, *args, slug: str, output: Path | None, processes: int | None, **options):
        try:
            event = Event.objects.get(slug=slug)
        except Event.DoesNotExist as error:
            raise CommandError(f"no event with the slug {slug!r}") from error
        if processes is not None and processes < 1:
            raise CommandError("--processes must be at least 1")
        try:
            report = build_book_now(event, processes=processes)
        except BookError as error:
            raise CommandError(f"the book could not be built: {error}") from error
        build = report.build
        if output is not None:
            try:
                output.parent.mkdir(parents=True, exist_ok=True)
                with build.pdf.open("rb") as source, output.open("wb") as target:
                    shutil.copyfileobj(source, target)
            except OSError as error:
                raise CommandError(
                    f"the book was built ({build.pages} pages, {build.pdf.path}) "
                    f"but could not be written to {output}: {error.strerror or error}"
                ) from error
        where = output or build.pdf.path
        self.stdout.write(
            f"{build.pages} pages in {report.seconds:.1f} s "
            f"({report.slices_rendered} of {report.slices} slices laid out, "
            f"{build.size / 1e6:.1f} MB): {where}"
        )
