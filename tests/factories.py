"""Test data, built through the same services the app uses where there is one."""

import itertools
import json
from datetime import date
from pathlib import Path

from abstracts.exchange import import_event
from abstracts.models import (
    Abstract,
    AbstractKeyword,
    Affiliation,
    AuthorAffiliation,
    Authorship,
    Keyword,
    Person,
)
from conference.models import Event, Session

ROOT = Path(__file__).resolve().parent.parent
DEMO_FILE = ROOT / "demo" / "helmholtz-ai-kickoff-2020.json"
_counter = itertools.count(1)


def demo_data() -> dict:
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


def import_demo_event() -> Event:
    return import_event(demo_data(), publish=True).event


def make_event(**fields) -> Event:
    n = next(_counter)
    defaults = {"name": f"Meeting {n}", "slug": f"meeting-{n}", "start_date": date(2026, 3, 5)}
    return Event.objects.create(**{**defaults, **fields})


def make_session(event: Event, title: str = "Biomedicine", order: int = 1) -> Session:
    return Session.objects.create(event=event, title=title, order=order)


def make_person(event: Event, **fields) -> Person:
    n = next(_counter)
    defaults = {"first_name": "Ada", "last_name": f"Lovelace{n}"}
    return Person.objects.create(event=event, **{**defaults, **fields})


def make_abstract(
    event: Event,
    *,
    authors: list[tuple[Person, list[Affiliation]]] | None = None,
    keywords: list[str] = (),
    presenting: int | None = None,
    **fields,
) -> Abstract:
    """An abstract with authors (person, affiliations) in order; ``presenting`` is an index."""
    n = next(_counter)
    defaults = {"title": f"Abstract {n}", "text": "Some text.", "status": Abstract.Status.ACCEPTED}
    abstract = Abstract.objects.create(event=event, **{**defaults, **fields})
    for position, (person, affiliations) in enumerate(authors or [], 1):
        authorship = Authorship.objects.create(
            abstract=abstract, person=person, position=position, is_presenting=presenting == position - 1
        )
        for number, affiliation in enumerate(affiliations, 1):
            AuthorAffiliation.objects.create(authorship=authorship, affiliation=affiliation, position=number)
    for position, label in enumerate(keywords, 1):
        keyword = Keyword.objects.filter(event=event, label__iexact=label).first()
        keyword = keyword or Keyword.objects.create(event=event, label=label)
        AbstractKeyword.objects.create(abstract=abstract, keyword=keyword, position=position)
    return abstract


def submitted_event(count: int = 12) -> Event:
    """A published event with two sessions and ``count`` submitted abstracts, half about imaging."""
    event = make_event(name="Board Meeting 2027", is_published=True, poster_code_pattern="PS{n}")
    make_session(event, "Biomedicine", 1)
    make_session(event, "Earth", 2)
    affiliation = Affiliation.objects.create(event=event, name="Forschungszentrum Jülich")
    for n in range(1, count + 1):
        topic = "Imaging" if n % 2 else "Genomics"
        person = make_person(event, first_name="Eva", last_name=f"Author{n}")
        make_abstract(
            event,
            authors=[(person, [affiliation])],
            presenting=0,
            keywords=[topic],
            status=Abstract.Status.SUBMITTED,
            title=f"{topic} study {n}",
        )
    return event
