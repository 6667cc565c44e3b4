"""Index rebuild time for synthetic events of 1,000 and 10,000 accepted abstracts.

Runs against PostgreSQL by default (a database of its own, created if missing):
    .venv/bin/python benchmarks/indexes.py [--sizes 1000 10000] [--repeat 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abstractbook_bench .venv/bin/python benchmarks/indexes.py
Prints, per size, the people and keywords indexed and the rebuild time (median and best of the repeats).
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/abstractbook_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conference.settings")


def ensure_database() -> None:
    import psycopg2

    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        return
    base, name = url.rsplit("/", 1)
    connection = psycopg2.connect(f"{base}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


SURNAMES = [
    "Müller",
    "Muller",
    "Götz",
    "Hrabě de Angelis",
    "van der Weg",
    "zu Castell",
    "Bačák",
    "Schmidt",
    "Łukasiewicz",
    "Østergaard",
    "Nguyen",
    "García",
    "Smith",
    "Kowalski",
    "Rossi",
    "Dubois",
]
GIVEN = ["Anna", "Jörg", "Eva", "Tomáš", "Li", "María", "John", "Ewa", "Luca", "Claire", "Karel J"]


def make_event(size: int, seed: int = 1):
    from abstracts.models import (
        Abstract,
        Affiliation,
        Keyword,
        Person,
    )
    from abstracts.text import text_key
    from conference.codes import code_sort_key
    from conference.models import Event

    rng = random.Random(seed)
    slug = f"bench-{size}"
    Event.objects.filter(slug=slug).delete()
    event = Event.objects.create(
        name=f"Benchmark {size}", slug=slug, start_date="2026-03-05", is_published=True
    )
    people = Person.objects.bulk_create(
        Person(
            event=event,
            first_name=rng.choice(GIVEN),
            last_name=f"{rng.choice(SURNAMES)}{n}",
            name_key=f"p{n}",
        )
        for n in range(size * 2)
    )
    affiliations = Affiliation.objects.bulk_create(
        Affiliation(event=event, name=f"Institute {n}", key=f"institute {n}")
        for n in range(max(size // 10, 5))
    )
    labels = [
        f"Topic {n} {rng.choice(['learning', 'Ökologie', 'imaging', 'genomics'])}" for n in range(size // 2)
    ]
    keywords = Keyword.objects.bulk_create(
        Keyword(event=event, label=label, key=text_key(label)) for label in labels
    )
    abstracts = Abstract.objects.bulk_create(
        Abstract(
            event=event,
            code=f"PS{n:05d}",
            code_sort=code_sort_key(f"PS{n:05d}"),
            order=n,
            title=f"Poster {n}",
            text="Text.",
            status="accepted",
        )
        for n in range(1, size + 1)
    )
    authorships = link_authors_and_keywords(
        abstracts, people, affiliations, keywords, rng, authors=(2, 8), keywords_per_abstract=(3, 6)
    )
    return event, authorships


def link_authors_and_keywords(
    abstracts, people, affiliations, keywords, rng, *, authors: tuple, keywords_per_abstract: tuple
) -> int:
    """Random authors (each with one affiliation) and keywords for each abstract, in bulk; returns
    the number of authorships. Shared with benchmarks/duplicates.py and benchmarks/api.py."""
    from abstracts.models import AbstractKeyword, AuthorAffiliation, Authorship

    authorships, keyword_links = [], []
    for abstract in abstracts:
        for position, person in enumerate(rng.sample(people, rng.randint(*authors)), 1):
            authorships.append(Authorship(abstract=abstract, person=person, position=position))
        for position, keyword in enumerate(rng.sample(keywords, rng.randint(*keywords_per_abstract)), 1):
            keyword_links.append(
                AbstractKeyword(abstract=abstract, keyword=keyword, position=position, spelling=keyword.label)
            )
    authorships = Authorship.objects.bulk_create(authorships, batch_size=5000)
    AuthorAffiliation.objects.bulk_create(
        (
            AuthorAffiliation(authorship=a, affiliation=rng.choice(affiliations), position=1)
            for a in authorships
        ),
        batch_size=5000,
    )
    AbstractKeyword.objects.bulk_create(keyword_links, batch_size=5000)
    return len(authorships)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from indexes.services import index_rebuild

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"{'abstracts':>9} {'authorships':>11} {'people':>7} {'keywords':>8} {'median s':>9} {'best s':>7}")
    for size in args.sizes:
        event, authorships = make_event(size)
        timings, build = [], None
        for _ in range(args.repeat):
            started = time.perf_counter()
            build = index_rebuild(event_id=event.pk, force=True)
            timings.append(time.perf_counter() - started)
        print(
            f"{size:>9} {authorships:>11} {build.authors:>7} {build.keywords:>8} "
            f"{statistics.median(timings):>9.2f} {min(timings):>7.2f}"
        )
        event.delete()


if __name__ == "__main__":
    main()
