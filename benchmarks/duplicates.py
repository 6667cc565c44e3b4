"""Time of the likely-duplicates report for a synthetic event of 5,000 abstracts and 15,000 people.

Runs against PostgreSQL by default (a database of its own, created if missing):
    .venv/bin/python benchmarks/duplicates.py [--abstracts 5000] [--people 15000] [--repeat 3]
    DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python benchmarks/duplicates.py
The event has made-up names (mostly distinct, as in a real meeting) with planted duplicates of each
kind. Prints the groups found per kind and the report's time (median and best of the repeats), in
total and per kind.
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

from benchmarks.indexes import ensure_database, link_authors_and_keywords

SYLLABLES = [
    "ba", "ber", "bor", "da", "del", "dor", "fa", "fel", "gar", "gen", "ha", "hol", "ka", "kel", "kov",
    "la", "len", "lin", "ma", "mar", "mer", "na", "nen", "nov", "pa", "per", "ra", "ren", "ros", "sa",
    "sen", "son", "ta", "ten", "tor", "va", "ven", "vic", "wa", "wen", "zal", "zek",
]  # fmt: skip
GIVEN = [
    "Anna", "Jörg", "Eva", "Tomáš", "Li", "María", "John", "Ewa", "Luca", "Claire", "Karel", "Sofia",
    "Ahmed", "Yuki", "Priya", "Lars", "Ines", "Pavel", "Chen", "Fatima", "Oliver", "Marta", "Jonas",
    "Hana", "Diego", "Nora", "Igor", "Aylin", "Kofi", "Mei", "Ruth", "Sven", "Olga", "Paulo", "Zoe",
]  # fmt: skip
PLACES = [
    "Aachen", "Berlin", "Bonn", "Bremen", "Dresden", "Essen", "Freiburg", "Göttingen", "Hamburg",
    "Heidelberg", "Jena", "Jülich", "Karlsruhe", "Kiel", "Köln", "Leipzig", "Mainz", "München",
    "Münster", "Potsdam", "Rostock", "Stuttgart", "Tübingen", "Ulm", "Wien", "Zürich", "Basel",
    "Graz", "Lyon", "Porto", "Oslo", "Lund", "Delft", "Leiden", "Gent", "Brno", "Kraków", "Turin",
]  # fmt: skip
FIELDS = [
    "Physics", "Chemistry", "Biochemistry", "Computational Biology", "Neuroscience", "Ecology",
    "Climate Research", "Materials Science", "Mathematics", "Computer Science", "Medicine",
    "Genetics", "Immunology", "Oceanography", "Geosciences", "Energy Systems", "Robotics",
]  # fmt: skip
TOPIC_WORDS = [
    "deep", "learning", "graph", "neural", "network", "imaging", "genomics", "protein", "structure",
    "climate", "model", "ocean", "soil", "carbon", "cell", "segmentation", "microscopy", "uncertainty",
    "forecast", "battery", "catalysis", "quantum", "sensor", "fusion", "plasma", "tumour", "brain",
    "single-cell", "transcriptomics", "remote", "sensing", "satellite", "drought", "wind", "solar",
]  # fmt: skip


def surname(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4))).capitalize()


def make_event(abstract_count: int, people_count: int, seed: int = 1):
    from abstracts.models import (
        Abstract,
        Affiliation,
        Keyword,
        Person,
    )
    from abstracts.text import text_key
    from conference.models import Event

    rng = random.Random(seed)
    slug = f"bench-duplicates-{abstract_count}"
    Event.objects.filter(slug=slug).delete()
    event = Event.objects.create(
        name=f"Duplicates benchmark {abstract_count}", slug=slug, start_date="2026-03-05"
    )

    names = {(rng.choice(GIVEN), surname(rng)) for _ in range(people_count * 2)}
    names = sorted(names)[:people_count]
    rng.shuffle(names)
    planted = people_count // 100  # 1 % typed a second way: an initial, or a letter off
    for first, last in names[:planted]:
        if rng.random() < 0.5:
            names.append((f"{first[0]}.", last))
        else:
            at = rng.randrange(1, len(last))
            names.append((first, last[:at] + last[at + 1 :]))
    people = Person.objects.bulk_create(
        (
            Person(event=event, first_name=first, last_name=last, name_key=text_key(f"{first} {last}"))
            for first, last in names
        ),
        batch_size=5000,
    )

    organisations = sorted(
        {
            f"{kind} {field}, {place}"
            for kind in ("Institute of", "Department of", "Centre for")
            for field in FIELDS
            for place in PLACES
        }
    )
    planted_organisations = [
        "Helmholtz Zentrum München",
        "HZM",
        "Forschungszentrum Jülich",
        "Forschungszentrum Juelich",
    ]
    organisations = [*organisations[:1500], *planted_organisations, "Univ. of Bonn", "University of Bonn"]
    affiliations = Affiliation.objects.bulk_create(
        Affiliation(event=event, name=name, key=text_key(name)) for name in dict.fromkeys(organisations)
    )

    labels = {" ".join(rng.sample(TOPIC_WORDS, rng.randint(1, 3))).capitalize() for _ in range(3000)}
    labels = sorted({text_key(label): label for label in labels}.values())[:2000]
    labels += ["Deep learning", "DL", "Machine learning", "ML", "Neural networks", "Neural network"]
    labels = list({text_key(label): label for label in labels}.values())
    keywords = Keyword.objects.bulk_create(
        Keyword(event=event, label=label, key=text_key(label)) for label in labels
    )

    titles = []
    for n in range(abstract_count):
        words = rng.sample(TOPIC_WORDS, rng.randint(5, 9))
        titles.append(f"{' '.join(words).capitalize()} in {rng.choice(PLACES)} {n}")
    for n in range(0, abstract_count, 250):  # submitted twice, a word changed
        words = titles[n].split()
        words[2] = "novel"
        titles.append(" ".join(words))
    abstracts = Abstract.objects.bulk_create(
        (Abstract(event=event, title=title, text="Text.", status="submitted") for title in titles),
        batch_size=5000,
    )

    link_authors_and_keywords(
        abstracts, people, affiliations, keywords, rng, authors=(2, 6), keywords_per_abstract=(2, 5)
    )
    return event, len(people), len(affiliations), len(keywords), len(abstracts)


def timed(function, event, repeat: int):
    timings, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function(event)
        timings.append(time.perf_counter() - started)
    return result, statistics.median(timings), min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--abstracts", type=int, default=5000)
    parser.add_argument("--people", type=int, default=15000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print where the report's time goes")
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from cleanup import selectors

    call_command("migrate", verbosity=0)
    if args.profile:
        import cProfile
        import pstats

        event = make_event(args.abstracts, args.people)[0]
        profile = cProfile.Profile()
        profile.runcall(selectors.duplicates_report, event)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        event.delete()
        return
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    started = time.perf_counter()
    event, people, affiliations, keywords, abstracts = make_event(args.abstracts, args.people)
    print(
        f"event: {abstracts} abstracts, {people} people, {affiliations} affiliations, {keywords} keywords "
        f"(made in {time.perf_counter() - started:.1f} s)"
    )
    print(f"{'part':<14} {'groups':>6} {'median s':>9} {'best s':>7}")
    parts = [
        ("people", selectors.duplicate_people),
        ("affiliations", selectors.duplicate_affiliations),
        ("keywords", selectors.duplicate_keywords),
        ("titles", selectors.duplicate_titles),
    ]
    for name, function in parts:
        groups, median, best = timed(function, event, args.repeat)
        print(f"{name:<14} {len(groups):>6} {median:>9.2f} {best:>7.2f}")
    report, median, best = timed(selectors.duplicates_report, event, args.repeat)
    print(f"{'whole report':<14} {report.total:>6} {median:>9.2f} {best:>7.2f}")
    event.delete()


if __name__ == "__main__":
    main()
