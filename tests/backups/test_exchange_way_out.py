"""The second way out: every event exported in the exchange format, the database emptied, the exports
imported, and everything the format carries found the same."""

import json

import pytest
from django.core.management import call_command

from abstracts.models import Abstract, Person
from abstracts.selectors import printed_abstract, with_print_relations
from conference.models import Event
from tests.access.world import build_world
from tests.factories import import_demo_event

# flush empties the database as it does for real, outside a test transaction.
pytestmark = pytest.mark.django_db(transaction=True)

EXPORTED_STATUSES = ("submitted", "accepted", "rejected", "withdrawn")  # drafts are private


def carried(event: Event) -> dict:
    """What the exchange format carries of an event, read from the database as the app prints it."""
    abstracts = with_print_relations(event.abstracts.filter(status__in=EXPORTED_STATUSES)).order_by(
        "title", "pk"
    )
    people = {person.pk: person for person in Person.objects.filter(event=event)}
    return {
        "event": (event.name, event.short_name, event.start_date, event.end_date, event.venue),
        "sessions": [(session.title, session.order) for session in event.sessions.order_by("order", "title")],
        "abstracts": [
            {
                "title": printed.title,
                "status": printed.status,
                "code": printed.code,
                "session": printed.session_title,
                "order": abstract.order,
                "text": printed.text,
                "note": printed.note,
                "authors": [
                    (
                        author.first_name,
                        author.last_name,
                        people[author.person_id].email,
                        people[author.person_id].orcid,
                        author.numbers,
                        author.is_presenting,
                    )
                    for author in printed.authors
                ],
                "affiliations": printed.affiliations,
                "keywords": printed.keywords,
            }
            for abstract in abstracts
            for printed in [printed_abstract(abstract)]
        ],
    }


def test_every_event_comes_back_from_its_export_into_an_empty_database(tmp_path):
    build_world()
    demo_slug = import_demo_event().slug
    events = list(Event.objects.order_by("slug"))
    published = {event.slug for event in events if event.is_published}
    before = {event.slug: carried(event) for event in events}
    files = {}
    for event in events:
        files[event.slug] = tmp_path / f"{event.slug}.json"
        call_command("export_event", event.slug, output=files[event.slug])

    call_command("flush", interactive=False, verbosity=0)
    assert (Event.objects.count(), Abstract.objects.count(), Person.objects.count()) == (0, 0, 0)
    for slug, path in files.items():
        options = ["--publish"] if slug in published else []
        call_command("import_event", str(path), *options, verbosity=0)

    after = {event.slug: carried(event) for event in Event.objects.order_by("slug")}
    assert after == before
    assert {event.slug for event in Event.objects.filter(is_published=True)} == published
    for slug, path in files.items():
        again = tmp_path / f"{slug}-again.json"
        call_command("export_event", slug, output=again)
        assert json.loads(again.read_text()) == json.loads(path.read_text()), slug
    # Not nothing: the demo meeting's 46 posters and the world's abstracts in every exported state.
    demo = after[demo_slug]
    assert len(demo["abstracts"]) == 46 and sum(len(a["authors"]) for a in demo["abstracts"]) == 183
    statuses = {a["status"] for event in after.values() for a in event["abstracts"]}
    assert statuses >= {"submitted", "accepted"}
