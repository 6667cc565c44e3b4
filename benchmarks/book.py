"""Book build time and memory for synthetic events of 50, 200 and 1,000 abstracts.

    .venv/bin/python benchmarks/book.py [--sizes 50 200 1000] [--processes 2] [--skip-plain] [--repeat 3]

For each size it prints, each measured in a fresh process of its own:
  - plain: WeasyPrint on one HTML document of the whole book, contents and indexes numbered
    with target-counter() (what a straightforward implementation does);
  - full: ``build_book_now`` from nothing stored (slices in --processes processes, page
    numbers read off the layout, pikepdf assembly);
  - edit: the same event after one abstract's text was changed (only its slice is laid out again);
seconds, peak memory of the largest process (resident set), pages and PDF size.
With --repeat N each size is measured N times, the three builds in turn (so that a slow spell of a
shared machine falls on all of them), and a last line gives the medians and the ratios between them.
The events are realistic: 230-380 words in 2-4 paragraphs, 2-9 authors with 1-3 of a pool
of affiliations, 3-6 keywords, six sessions, names with diacritics, some Greek and markup.
Runs on a throwaway SQLite database and media folder (the database is not what is measured).
"""

import argparse
import json
import multiprocessing
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conference.settings")

SURNAMES = [
    "Müller",
    "Götz",
    "Schmidt",
    "Bačák",
    "Dvořák",
    "Łukasiewicz",
    "Østergaard",
    "Nguyen",
    "García",
    "Smith",
    "Kowalski",
    "Rossi",
    "Dubois",
    "Schneider",
    "Fischer",
    "Weber",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Huber",
]
GIVEN = [
    "Anna",
    "Jörg",
    "Eva",
    "Tomáš",
    "Li",
    "María",
    "John",
    "Ewa",
    "Luca",
    "Claire",
    "Sören",
    "Zoë",
    "Mikuláš",
    "Ingrid",
    "Raphaël",
    "Chen",
    "Aylin",
]
WORDS = [
    "model",
    "data",
    "learning",
    "neural",
    "network",
    "training",
    "inference",
    "uncertainty",
    "simulation",
    "climate",
    "protein",
    "cell",
    "imaging",
    "segmentation",
    "microscopy",
    "detector",
    "particle",
    "measurement",
    "calibration",
    "sensor",
    "satellite",
    "ocean",
    "atmosphere",
    "genome",
    "sequencing",
    "variant",
    "expression",
    "pathway",
    "cohort",
    "clinical",
    "patient",
    "diagnosis",
    "therapy",
    "material",
    "surface",
    "crystal",
    "diffusion",
    "transport",
    "energy",
    "battery",
    "catalyst",
    "reaction",
    "spectrum",
    "resolution",
    "algorithm",
    "optimisation",
    "gradient",
    "parameter",
    "distribution",
    "posterior",
    "prior",
    "sampling",
    "benchmark",
    "accuracy",
    "robustness",
    "interpretability",
    "representation",
    "embedding",
    "transformer",
    "convolutional",
    "graph",
    "temporal",
    "spatial",
    "the",
    "of",
    "and",
    "in",
    "to",
    "with",
    "for",
    "a",
    "on",
    "by",
    "from",
    "that",
    "which",
    "is",
    "are",
    "we",
    "our",
    "this",
    "these",
    "results",
    "show",
    "method",
    "approach",
]
SESSIONS = [
    "Biomedicine",
    "Biophysics",
    "Geological sciences",
    "Image data",
    "Models and infrastructure",
    "Community",
]


def sentence(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    if rng.random() < 0.15:
        words.insert(
            rng.randrange(len(words)), rng.choice(["<i>in vitro</i>", "CO<sub>2</sub>", "10<sup>20</sup>"])
        )
    if rng.random() < 0.1:
        words.insert(rng.randrange(len(words)), rng.choice(["α-helix", "β-sheet", "Δt", "σ = 0.3"]))
    return " ".join(words).capitalize() + "."


def make_event(size: int, seed: int = 7):
    from abstracts.models import (
        Abstract,
        AbstractKeyword,
        Affiliation,
        AuthorAffiliation,
        Authorship,
        Keyword,
        Person,
    )
    from abstracts.text import text_key
    from conference.codes import code_sort_key
    from conference.models import Event, Session

    rng = random.Random(seed)
    event = Event.objects.create(
        name=f"Synthetic Meeting on Data Science {size}",
        short_name=f"SMDS {size}",
        slug=f"bench-book-{size}",
        organisation="Helmholtz Association",
        venue="Lenbach Palais, Munich",
        start_date="2026-03-05",
        end_date="2026-03-06",
        is_published=True,
    )
    sessions = [
        Session.objects.create(event=event, title=title, order=n) for n, title in enumerate(SESSIONS, 1)
    ]
    people = Person.objects.bulk_create(
        Person(
            event=event,
            first_name=rng.choice(GIVEN),
            last_name=f"{rng.choice(SURNAMES)}{'-' + rng.choice(SURNAMES) if rng.random() < 0.1 else ''}",
            name_key=f"p{n}",
            email=f"person{n}@example.org",
        )
        for n in range(int(size * 2.5))
    )
    affiliations = Affiliation.objects.bulk_create(
        Affiliation(event=event, name=name, key=text_key(name))
        for name in (
            f"{rng.choice(['Institute', 'Department', 'Centre', 'Laboratory'])} of "
            f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS).capitalize()} {n}, "
            f"{rng.choice(['Forschungszentrum Jülich', 'Helmholtz Munich', 'DESY, Hamburg', 'KIT, Karlsruhe'])}"
            for n in range(max(size // 5, 10))
        )
    )
    labels = sorted(
        {f"{rng.choice(WORDS)} {rng.choice(WORDS)}".capitalize() for _ in range(max(size // 3, 30))}
    )
    keywords = Keyword.objects.bulk_create(
        Keyword(event=event, label=label, key=text_key(label)) for label in labels
    )
    abstracts = Abstract.objects.bulk_create(
        Abstract(
            event=event,
            session=sessions[(n - 1) % len(sessions)],
            code=f"PS{n:02d}",
            code_sort=code_sort_key(f"PS{n:02d}"),
            order=n,
            title=sentence(rng, 7, 16).rstrip("."),
            text="\n\n".join(
                " ".join(sentence(rng, 12, 24) for _ in range(rng.randint(3, 6)))
                for _ in range(rng.randint(2, 4))
            ),
            status="accepted",
        )
        for n in range(1, size + 1)
    )
    authorships, keyword_links, author_affiliations = [], [], []
    for abstract in abstracts:
        for position, person in enumerate(rng.sample(people, rng.randint(2, 9)), 1):
            authorships.append(
                Authorship(abstract=abstract, person=person, position=position, is_presenting=position == 1)
            )
        for position, keyword in enumerate(rng.sample(keywords, rng.randint(3, 6)), 1):
            keyword_links.append(
                AbstractKeyword(abstract=abstract, keyword=keyword, position=position, spelling=keyword.label)
            )
    authorships = Authorship.objects.bulk_create(authorships, batch_size=2000)
    for authorship in authorships:
        for position, affiliation in enumerate(rng.sample(affiliations, rng.randint(1, 3)), 1):
            author_affiliations.append(
                AuthorAffiliation(authorship=authorship, affiliation=affiliation, position=position)
            )
    AuthorAffiliation.objects.bulk_create(author_affiliations, batch_size=2000)
    AbstractKeyword.objects.bulk_create(keyword_links, batch_size=2000)
    return event


# print.css lays each index out as one narrow column per page, for the assembler to set two to a page;
# a single document sets them in CSS columns instead.
PLAIN_EXTRA_CSS = """
@page :right { margin: 24mm 18mm 22mm 24mm; @top-right { content: string(header); font: italic 8.5pt "Book Serif"; }
  @bottom-right { content: counter(page); font: 9pt "Book Serif"; } }
@page :left { margin: 24mm 24mm 22mm 18mm; @top-left { content: string(header); font: italic 8.5pt "Book Serif"; }
  @bottom-left { content: counter(page); font: 9pt "Book Serif"; } }
.plain-page::after { content: target-counter(attr(href), page); }
.plain-page { color: inherit; text-decoration: none; }
.contents-title::after { content: leader(". "); }
.contents-entry { position: relative; padding-right: 2.6em; }
.contents-entry .plain-page { position: absolute; right: 0; bottom: 0; }
.book-index { page: auto; }
.book-index > .book-heading { height: auto; margin: 0 0 1em; }
.book-index-columns { columns: 2; column-gap: 8mm; }
"""

PLAIN_TEMPLATE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<link rel="stylesheet" href="static/book/book.css"><link rel="stylesheet" href="static/book/print.css">
<style>{{ extra_css|safe }}</style></head><body class="book book-pdf layout-page">
{% include "book/_cover.html" %}
<nav class="contents" style="break-before: right"><h2 class="book-heading">Contents</h2>
{% for group in groups %}<h3 class="contents-session-title">{{ group.title }}</h3><ol class="contents-entries">
{% for abstract in group.abstracts %}<li class="contents-entry"><span class="contents-code">{{ abstract.code }}</span> <span class="contents-title">{{ abstract.title }}</span><a class="plain-page" href="#abstract-{{ abstract.pk }}"></a></li>{% endfor %}
</ol>{% endfor %}</nav>
{% for group in groups %}<h2 class="session-heading" style="break-before: right">{{ group.title }}</h2>
{% for abstract in group.abstracts %}{% include "abstracts/_abstract.html" with pdf=True %}{% endfor %}{% endfor %}
<section class="book-index"><h2 class="book-heading">Author index</h2><div class="book-index-columns">
{% for entry in authors %}<p class="book-index-entry">{{ entry.label }} {% for abstract_id, person_id in entry.refs %}<a class="plain-page" href="#abstract-{{ abstract_id }}-authors"></a>{% if not forloop.last %}, {% endif %}{% endfor %}</p>{% endfor %}
</div></section>
<section class="book-index"><h2 class="book-heading">Keyword index</h2><div class="book-index-columns">
{% for entry in keywords %}<p class="book-index-entry">{{ entry.label }} {% for abstract_id in entry.abstract_ids %}<a class="plain-page" href="#abstract-{{ abstract_id }}-keywords"></a>{% if not forloop.last %}, {% endif %}{% endfor %}</p>{% endfor %}
</div></section></body></html>"""


def plain_build(event, out: Path) -> dict:
    from django.template import engines
    from weasyprint import HTML

    from abstracts.selectors import programme
    from books.fetcher import BOOK_BASE_URL, BookURLFetcher
    from books.services import static_dir
    from indexes.services import author_index_entries, keyword_index_entries

    started = time.perf_counter()
    groups = programme(event)
    authors = author_index_entries(event.pk)
    keywords = keyword_index_entries(event.pk)
    for entry in keywords:
        entry.abstract_ids = [ref["id"] for ref in entry.abstracts]
    for entry in authors:  # each page reference points at the line of authors of that abstract
        entry.abstract_ids = [ref["id"] for ref in entry.abstracts]
    html = (
        engines["django"]
        .from_string(PLAIN_TEMPLATE)
        .render(
            {
                "event": event,
                "groups": groups,
                "authors": authors,
                "keywords": keywords,
                "extra_css": PLAIN_EXTRA_CSS,
            }
        )
    )
    fetcher = BookURLFetcher(static_dir=static_dir())
    document = HTML(string=html, base_url=BOOK_BASE_URL, url_fetcher=fetcher).render()
    document.write_pdf(out)
    return {
        "seconds": time.perf_counter() - started,
        "pages": len(document.pages),
        "bytes": out.stat().st_size,
    }


def measure(kind: str, size: int, processes: int) -> dict:
    import django

    django.setup()
    from abstracts.models import Abstract
    from books.services import build_book_now, parts_dir
    from conference.changes import event_changed
    from conference.models import Event

    event = Event.objects.get(slug=f"bench-book-{size}")
    if kind == "plain":
        result = plain_build(event, Path(tempfile.mkdtemp()) / "plain.pdf")
    else:
        if kind == "full":  # from nothing: a repeat must not find the parts an earlier run stored
            shutil.rmtree(parts_dir(event.pk), ignore_errors=True)
        if kind == "edit":
            abstract = Abstract.objects.filter(event=event).order_by("order")[size // 2]
            abstract.text = abstract.text.replace(" the ", " this ", 1) + " (Corrected.)"
            abstract.save()
            event_changed(event.pk)
        report = build_book_now(event, processes=processes)
        build = report.build
        result = {
            "seconds": report.seconds,
            "pages": build.pages,
            "bytes": build.size,
            "slices": f"{report.slices_rendered}/{report.slices}",
            "phases": " ".join(f"{name} {seconds:.1f}" for name, seconds in report.phases.items()),
        }
    # The pool processes exit once the book is stored; wait for them, so that their peak (and that of
    # the processes they forked to lay out parts) is counted.
    for process in multiprocessing.active_children():
        process.join()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result["peak_mb"] = max(own, children) / 1024
    result["main_mb"] = own / 1024
    return result


def run_measurement(kind: str, size: int, processes: int) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--measure", kind, "--sizes", str(size), "--processes", str(processes)],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def at_least_one(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return int(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=at_least_one, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--processes", type=at_least_one, default=os.cpu_count() or 1)
    parser.add_argument("--skip-plain", action="store_true")
    parser.add_argument("--repeat", type=at_least_one, default=1, help="measure each size this many times")
    parser.add_argument("--measure", choices=["plain", "full", "edit"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        print(json.dumps(measure(args.measure, args.sizes[0], args.processes)))
        return

    work = Path(tempfile.mkdtemp(prefix="book-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(work / "media")
    os.environ["VAR_DIR"] = str(work)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    for size in args.sizes:
        make_event(size)
    print(f"cores: {os.cpu_count()}, slice processes: {args.processes}, work folder: {work}")
    print(
        f"{'abstracts':>9} {'build':>6} {'seconds':>8} {'peak MB':>8} {'pages':>6} {'PDF MB':>7} {'slices':>8}  vs plain"
    )
    kinds = ("full", "edit") if args.skip_plain else ("plain", "full", "edit")
    for size in args.sizes:
        seconds: dict[str, list[float]] = {kind: [] for kind in kinds}
        for _ in range(args.repeat):
            plain = None
            for kind in kinds:
                row = run_measurement(kind, size, args.processes)
                seconds[kind].append(row["seconds"])
                plain = row if kind == "plain" else plain
                versus = ""
                if plain and kind != "plain":
                    versus = f"{plain['seconds'] / row['seconds']:.1f}x faster, PDF {row['bytes'] / plain['bytes']:.2f}x"
                print(
                    f"{size:>9} {kind:>6} {row['seconds']:>8.1f} {row['peak_mb']:>8.0f} {row['pages']:>6} "
                    f"{row['bytes'] / 1e6:>7.2f} {row.get('slices', ''):>8}  {versus}"
                    + (f"  ({row['phases']} s)" if row.get("phases") else ""),
                    flush=True,
                )
        if args.repeat > 1:
            median = {kind: statistics.median(values) for kind, values in seconds.items()}
            summary = ", ".join(f"{kind} {median[kind]:.1f} s" for kind in kinds)
            if "plain" in median:
                summary += "; " + ", ".join(
                    f"{kind} {median['plain'] / median[kind]:.1f}x faster" for kind in ("full", "edit")
                )
            print(f"{size:>9} median of {args.repeat}: {summary}", flush=True)


if __name__ == "__main__":
    main()
