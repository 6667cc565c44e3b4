"""Submitters write through the web form's services and rules; organisers through the programme's,
recorded in the audit trail. Problems come back in the documented error format, by field."""

from datetime import timedelta

import pytest
from django.utils import timezone

from abstracts.models import Abstract
from audit.models import AuditEntry
from books.models import BookBuild
from tests.api.conftest import error_of

pytestmark = pytest.mark.django_db

COMPLETE = {
    "event": "open-meeting",
    "title": "Catalysis of CO<sub>2</sub>",
    "text": "We report a catalyst.",
    "affiliations": ["Forschungszentrum Jülich", "University of Bonn"],
    "authors": [
        {"first_name": "Marie", "last_name": "Curie", "email": "marie@example.org", "affiliations": [2, 1]},
        {"first_name": "Lise", "last_name": "Meitner", "affiliations": [1], "is_presenting": True},
    ],
    "keywords": ["Catalysis", "Chemistry"],
}


def with_session(world, body: dict) -> dict:
    return {**body, "preferred_session": world.event.sessions.get(title="Physics").pk}


def test_a_submitter_creates_and_submits_an_abstract_that_reads_back_as_the_book_prints_it(client, world):
    world.login(client, "submitter")
    response = client.post(
        "/api/v1/abstracts/", {**with_session(world, COMPLETE), "submit": True}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "submitted"
    assert body["title"] == "Catalysis of CO<sub>2</sub>"
    # Affiliations are numbered by first appearance along the authors: Bonn is 1, Jülich 2.
    assert [(a["number"], a["name"]) for a in body["affiliations"]] == [
        (1, "University of Bonn"),
        (2, "Forschungszentrum Jülich"),
    ]
    assert [
        (a["position"], a["last_name"], a["affiliations"], a["is_presenting"]) for a in body["authors"]
    ] == [
        (1, "Curie", [1, 2], False),
        (2, "Meitner", [2], True),
    ]
    assert body["authors"][0]["email"] == "marie@example.org"  # the submitter sees the addresses
    assert [k["label"] for k in body["keywords"]] == ["Catalysis", "Chemistry"]
    abstract = Abstract.objects.get(pk=body["id"])
    assert abstract.submitter == world.users["submitter"]
    assert abstract.submitted_at is not None


def test_submitting_an_incomplete_abstract_gives_the_services_problems_by_field(client, world):
    world.login(client, "submitter")
    body = {
        "event": "open-meeting",
        "title": "Half done",
        "affiliations": ["Nowhere Institute"],
        "authors": [{"first_name": "Ada", "last_name": "Lovelace"}],
        "submit": True,
    }
    response = client.post("/api/v1/abstracts/", body, format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["fields"] == {
        "text": ["The abstract's text is empty."],
        "presenting": ["Choose the presenting author."],
        "authors.0": ["Author 1 (Ada Lovelace) has no affiliation; tick at least one."],
        "affiliations": [
            "“Nowhere Institute” is not attached to any author: tick it for an author or remove it."
        ],
        "keywords": ["Give at least one keyword."],
        "preferred_session": ["Choose the session your abstract fits best."],
    }
    assert not Abstract.objects.filter(title="Half done").exists()


def test_the_web_forms_field_checks_apply(client, world):
    world.login(client, "submitter")
    body = {
        **COMPLETE,
        "title": "x" * 501,
        "authors": [
            {
                "last_name": "Curie",
                "email": "not an address",
                "orcid": "0000-0002-1825-0098",
                "affiliations": [3],
            },
            {"first_name": "Lise", "last_name": ""},
        ],
        "preferred_session": world.other_event.sessions.first().pk,
    }
    response = client.post("/api/v1/abstracts/", body, format="json")
    assert response.status_code == 400
    fields = error_of(response)["fields"]
    assert fields["title"] == ["Ensure this field has no more than 500 characters."]
    assert fields["authors.1.last_name"] == ["This field may not be blank."]


def test_field_checks_of_the_form_after_the_shape_is_right(client, world):
    world.login(client, "submitter")
    body = {
        **COMPLETE,
        "authors": [
            {
                "last_name": "Curie",
                "email": "not an address",
                "orcid": "0000-0002-1825-0098",
                "affiliations": [3],
            },
        ],
        "preferred_session": world.other_event.sessions.first().pk,
    }
    response = client.post("/api/v1/abstracts/", body, format="json")
    assert response.status_code == 400
    fields = error_of(response)["fields"]
    assert fields["authors.0.email"] == ["This is not an e-mail address."]
    assert fields["authors.0.orcid"] == [
        "'0000-0002-1825-0098' is not a valid ORCID iD: its check digit is wrong."
    ]
    assert fields["authors.0.affiliations"] == ["No affiliation 3 in the list."]
    assert fields["preferred_session"][0].startswith("Select a valid choice.")


def test_markup_outside_the_allowed_tags_is_refused_like_in_the_form(client, world):
    world.login(client, "submitter")
    response = client.post(
        "/api/v1/abstracts/", {"event": "open-meeting", "title": "<script>x</script>Hi"}, format="json"
    )
    assert response.status_code == 400
    assert "<script>" in error_of(response)["fields"]["title"][0]


def test_after_the_deadline_nothing_changes(client, world):
    world.event.call_deadline = timezone.now() - timedelta(minutes=1)
    world.event.call_opens_at = timezone.now() - timedelta(days=2)
    world.event.save()
    world.login(client, "submitter")
    response = client.patch(f"/api/v1/abstracts/{world.draft.pk}/", {"title": "Late"}, format="json")
    assert response.status_code == 400
    assert "deadline" in error_of(response)["fields"]
    world.draft.refresh_from_db()
    assert world.draft.title == "Draft work"


def test_patch_keeps_what_is_not_sent_and_put_replaces_it(client, world):
    world.login(client, "submitter")
    url = f"/api/v1/abstracts/{world.draft.pk}/"
    response = client.patch(url, {"title": "Renamed draft"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Renamed draft"
    assert [a["last_name"] for a in body["authors"]] == ["Lovelace", "Hopper"]
    assert [k["label"] for k in body["keywords"]] == ["Imaging"]

    response = client.put(url, {"event": "other-meeting", "title": "Only a title"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["authors"], body["keywords"], body["event"]) == (
        "Only a title",
        [],
        [],
        "open-meeting",
    )


def test_submit_and_withdraw_actions(client, world):
    world.login(client, "submitter")
    response = client.post(f"/api/v1/abstracts/{world.draft.pk}/submit/")
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"
    response = client.post(f"/api/v1/abstracts/{world.draft.pk}/withdraw/")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    response = client.post(f"/api/v1/abstracts/{world.draft.pk}/withdraw/")
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"status": ["This abstract is withdrawn; it cannot be withdrawn."]}


def test_an_organiser_decides_places_moves_and_codes_and_the_audit_trail_names_them(client, world):
    world.login(client, "organiser")
    base = f"/api/v1/abstracts/{world.submitted.pk}"
    physics = world.event.sessions.get(title="Physics")

    assert (
        client.post(f"{base}/decide/", {"status": "accepted"}, format="json").json()["status"] == "accepted"
    )
    placed = client.post(f"{base}/place/", {"session": physics.pk}, format="json").json()
    assert placed["session"] == {"id": physics.pk, "title": "Physics", "order": 2}
    client.post(f"/api/v1/abstracts/{world.accepted.pk}/place/", {"session": physics.pk}, format="json")
    moved = client.post(f"/api/v1/abstracts/{world.accepted.pk}/move/", {"step": -1}, format="json").json()
    assert moved["order"] == 1
    coded = client.post(f"{base}/code/", {"code": "PS7"}, format="json").json()
    assert coded["code"] == "PS7"

    entries = AuditEntry.objects.filter(event=world.event, actor=world.users["organiser"])
    assert sorted(entries.values_list("action", flat=True)) == [
        "code",
        "order",
        "session",
        "session",
        "status",
    ]


def test_an_organiser_is_refused_with_the_services_reason(client, world):
    world.login(client, "organiser")
    response = client.post(f"/api/v1/abstracts/{world.submitted.pk}/code/", {"code": "PS1"}, format="json")
    assert response.status_code == 400
    assert error_of(response) == {"code": "refused", "message": "PS1 is already the code of “Accepted work”."}
    response = client.post(
        f"/api/v1/abstracts/{world.draft.pk}/decide/", {"status": "accepted"}, format="json"
    )
    assert response.status_code == 400
    assert error_of(response)["message"] == "This abstract is draft; it cannot be decided."
    response = client.post(
        f"/api/v1/abstracts/{world.submitted.pk}/place/",
        {"session": world.other_event.sessions.first().pk},
        format="json",
    )
    assert response.status_code == 400
    assert error_of(response)["message"] == "That session does not belong to this event."


def test_an_organiser_numbers_the_accepted_abstracts(client, world):
    world.login(client, "organiser")
    client.post(f"/api/v1/abstracts/{world.submitted.pk}/decide/", {"status": "accepted"}, format="json")
    response = client.post(
        "/api/v1/events/open-meeting/number-codes/", {"policy": "submission"}, format="json"
    )
    assert response.json() == {"numbered": 2}
    codes = dict(Abstract.objects.filter(event=world.event, status="accepted").values_list("title", "code"))
    assert codes == {"Accepted work": "PS01", "Submitted work": "PS02"}


def test_an_organiser_queues_a_book_build(client, world):
    world.login(client, "organiser")
    response = client.post("/api/v1/book-builds/", {"event": "open-meeting"}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["forced"], body["download_url"]) == ("queued", True, None)
    assert BookBuild.objects.filter(event=world.event, status="queued", forced=True).count() == 1


def test_a_body_that_is_not_json_is_refused_in_the_error_format(client, world):
    world.login(client, "submitter")
    response = client.post("/api/v1/abstracts/", "title=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"
    response = client.post("/api/v1/abstracts/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"
    response = client.post("/api/v1/abstracts/", [1, 2], format="json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"


def test_an_organiser_puts_an_abstract_next_to_another(client, world):
    world.login(client, "organiser")
    for abstract in (world.submitted, world.someone_elses):
        client.post(f"/api/v1/abstracts/{abstract.pk}/decide/", {"status": "accepted"}, format="json")
    url = "/api/v1/abstracts/?event=open-meeting&status=accepted"
    first, second, third = (row["id"] for row in client.get(url).json()["results"])
    response = client.post(f"/api/v1/abstracts/{third}/move/", {"before": first}, format="json")
    assert response.status_code == 200, response.json()
    assert [row["id"] for row in client.get(url).json()["results"]] == [third, first, second]
    response = client.post(f"/api/v1/abstracts/{third}/move/", {"after": second}, format="json")
    assert [row["id"] for row in client.get(url).json()["results"]] == [first, second, third]
    response = client.post(f"/api/v1/abstracts/{third}/move/", {"step": 1, "after": 1}, format="json")
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"non_field_errors": ["Give one of step, before or after."]}
