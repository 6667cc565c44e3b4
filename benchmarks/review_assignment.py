"""Balanced reviewer assignment: 2,000 submitted abstracts, 40 reviewers, 3 reviewers per abstract.

Runs against PostgreSQL by default (a database of its own, created if missing):
    .venv/bin/python benchmarks/review_assignment.py [--abstracts 2000] [--reviewers 40] [--per-abstract 3]
    DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python benchmarks/review_assignment.py
Each abstract has 2 to 6 authors with one affiliation each out of 200; a quarter of the reviewers are
also authors somewhere, so conflicts are found and skipped. Prints the time, the queries (reads and
inserts apart), the assignments made, the spread of the reviewers' loads and the abstracts left short.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/abstractbook_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conference.settings")

from benchmarks.indexes import ensure_database


def make_event(abstracts: int, reviewers: int, seed: int = 1):
    from django.contrib.auth.models import User

    from abstracts.models import Abstract, Affiliation, AuthorAffiliation, Authorship, Person
    from conference.models import Event, EventRole

    rng = random.Random(seed)
    slug = f"bench-review-{abstracts}"
    Event.objects.filter(slug=slug).delete()
    User.objects.filter(username__startswith="bench-reviewer-").delete()
    event = Event.objects.create(name="Review benchmark", slug=slug, start_date="2026-03-05")
    users = [
        User.objects.create_user(f"bench-reviewer-{n}@example.org", f"bench-reviewer-{n}@example.org")
        for n in range(reviewers)
    ]
    EventRole.objects.bulk_create(EventRole(event=event, user=user, role="reviewer") for user in users)
    affiliations = Affiliation.objects.bulk_create(
        Affiliation(event=event, name=f"Institute {n}", key=f"institute {n}") for n in range(200)
    )
    emails = [f"author{n}@example.org" for n in range(abstracts * 2)]
    emails[: reviewers // 4] = [user.email for user in users[: reviewers // 4]]  # reviewers who also write
    people = Person.objects.bulk_create(
        Person(event=event, last_name=f"Author{n}", name_key=f"author{n}", email=email)
        for n, email in enumerate(emails)
    )
    rows = Abstract.objects.bulk_create(
        Abstract(event=event, title=f"Poster {n}", text="Text.", status="submitted", code_sort="")
        for n in range(abstracts)
    )
    authorships = []
    for abstract in rows:
        for position, person in enumerate(rng.sample(people, rng.randint(2, 6)), 1):
            authorships.append(Authorship(abstract=abstract, person=person, position=position))
    authorships = Authorship.objects.bulk_create(authorships, batch_size=5000)
    AuthorAffiliation.objects.bulk_create(
        (
            AuthorAffiliation(authorship=a, affiliation=rng.choice(affiliations), position=1)
            for a in authorships
        ),
        batch_size=5000,
    )
    return event, users


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--abstracts", type=int, default=2000)
    parser.add_argument("--reviewers", type=int, default=40)
    parser.add_argument("--per-abstract", type=int, default=3)
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from collections import Counter

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reviews.models import ReviewAssignment
    from reviews.selectors import conflict_index
    from reviews.services import reviewers_assign_balanced

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    event, users = make_event(args.abstracts, args.reviewers)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = reviewers_assign_balanced(
            event=event, abstract_ids=None, per_abstract=args.per_abstract, actor=None
        )
        seconds = time.perf_counter() - started
    inserts = sum(1 for query in queries.captured_queries if query["sql"].startswith("INSERT"))
    loads = Counter(
        ReviewAssignment.objects.filter(abstract__event=event).values_list("reviewer_id", flat=True)
    )
    spread = max(loads[user.pk] for user in users) - min(loads[user.pk] for user in users)
    index = conflict_index(event, users)
    conflicts = sum(len(index.conflicts(pk)) for pk in event.abstracts.values_list("pk", flat=True))
    print(
        f"{args.abstracts} abstracts × {args.reviewers} reviewers × {args.per_abstract} per abstract: "
        f"{seconds:.2f} s, {len(queries.captured_queries)} queries "
        f"({len(queries.captured_queries) - inserts} reads and locks, {inserts} inserts), "
        f"{result.assigned} assignments, loads {min(loads.values())}–{max(loads.values())} (spread {spread}), "
        f"{len(result.unfilled)} abstracts short, {conflicts} conflicting pairs skipped"
    )
    event.delete()


if __name__ == "__main__":
    main()
