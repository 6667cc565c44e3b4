"""Reading: the nested representation, filters, search, ordering, pagination, ETags, JSON errors."""

import json

import pytest
from django.urls import reverse

from abstracts.models import Abstract, Affiliation
from conference.models import Event
from programme.services import abstracts_assign_session, abstracts_decide, poster_code_set
from tests.api.conftest import error_of
from tests.factories import make_abstract, make_event, make_person, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme_event(db) -> Event:
    """A published event with accepted abstracts whose codes sort naturally only with code_sort."""
    event = make_event(slug="programme", is_published=True)
    biology = make_session(event, "Biology", 1)
    physics = make_session(event, "Physics", 2)
    julich = Affiliation.objects.create(event=event, name="Forschungszentrum Jülich")
    bonn = Affiliation.objects.create(event=event, name="University of Bonn")
    curie = make_person(event, first_name="Marie", last_name="Curie", email="marie@example.org")
    noether = make_person(event, first_name="Emmy", last_name="Noether")
    specs = [
        ("PS10", "Zebrafish imaging", biology, [(noether, [bonn]), (curie, [julich, bonn])], ["Imaging"]),
        ("PS2", "Alpine glaciers", physics, [(curie, [julich])], ["Climate", "Ice"]),
        ("PS1", "Muon spectra", physics, [(noether, [bonn])], ["Particles"]),
    ]
    for code, title, session, authors, keywords in specs:
        make_abstract(
            event, code=code, title=title, session=session, authors=authors, keywords=keywords, presenting=0
        )
    make_abstract(event, title="Rejected idea", status=Abstract.Status.REJECTED)
    return event


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def test_an_abstract_has_its_authors_in_order_with_the_books_affiliation_numbers(client, programme_event):
    abstract = Abstract.objects.get(code="PS10")
    body = client.get(f"/api/v1/abstracts/{abstract.pk}/").json()
    assert body["affiliations"] == [
        {
            "number": 1,
            "id": Affiliation.objects.get(name="University of Bonn").pk,
            "name": "University of Bonn",
        },
        {
            "number": 2,
            "id": Affiliation.objects.get(name="Forschungszentrum Jülich").pk,
            "name": "Forschungszentrum Jülich",
        },
    ]
    assert [
        (a["position"], a["last_name"], a["affiliations"], a["is_presenting"]) for a in body["authors"]
    ] == [
        (1, "Noether", [1], True),
        (2, "Curie", [2, 1], False),
    ]
    # Anonymous readers do not see e-mail addresses.
    assert [a["email"] for a in body["authors"]] == [None, None]
    assert body["session"]["title"] == "Biology"
    assert (body["code"], body["status"], body["event"]) == ("PS10", "accepted", "programme")
    assert [k["label"] for k in body["keywords"]] == ["Imaging"]
    assert body["preferred_session"] is None


def test_the_default_order_is_the_books_and_code_orders_naturally(client, programme_event):
    assert titles(client.get("/api/v1/abstracts/?event=programme")) == [
        "Zebrafish imaging",
        "Muon spectra",
        "Alpine glaciers",
    ]
    assert titles(client.get("/api/v1/abstracts/?event=programme&ordering=code")) == [
        "Muon spectra",
        "Alpine glaciers",
        "Zebrafish imaging",
    ]
    assert titles(client.get("/api/v1/abstracts/?event=programme&ordering=-code")) == [
        "Zebrafish imaging",
        "Alpine glaciers",
        "Muon spectra",
    ]
    assert titles(client.get("/api/v1/abstracts/?ordering=title&event=programme"))[0] == "Alpine glaciers"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("keyword=imaging", ["Zebrafish imaging"]),
        ("keyword=%20ICE%20", ["Alpine glaciers"]),
        ("code=ps2", ["Alpine glaciers"]),
        ("search=glacier", ["Alpine glaciers"]),
        ("search=noether", ["Muon spectra", "Zebrafish imaging"]),
        ("search=noether zebrafish", ["Zebrafish imaging"]),
        ("search=Some text", ["Alpine glaciers", "Muon spectra", "Zebrafish imaging"]),
        ("status=rejected", []),
        ("session=none", []),
    ],
)
def test_filters_and_search(client, programme_event, query, expected):
    assert sorted(titles(client.get(f"/api/v1/abstracts/?event=programme&{query}"))) == expected


def test_filters_by_session_author_and_affiliation(client, programme_event):
    physics = programme_event.sessions.get(title="Physics")
    curie = programme_event.people.get(last_name="Curie")
    julich = Affiliation.objects.get(name="Forschungszentrum Jülich")
    assert sorted(titles(client.get(f"/api/v1/abstracts/?session={physics.pk}"))) == [
        "Alpine glaciers",
        "Muon spectra",
    ]
    assert sorted(titles(client.get(f"/api/v1/abstracts/?author={curie.pk}"))) == [
        "Alpine glaciers",
        "Zebrafish imaging",
    ]
    assert sorted(titles(client.get(f"/api/v1/abstracts/?affiliation={julich.pk}"))) == [
        "Alpine glaciers",
        "Zebrafish imaging",
    ]


def test_an_organiser_filters_by_status_and_sees_addresses(client, programme_event, world):
    world.login(client, "organiser")
    body = client.get("/api/v1/abstracts/?event=open-meeting&status=submitted&status=accepted").json()
    assert sorted(row["title"] for row in body["results"]) == [
        "Accepted work",
        "Someone else's work",
        "Submitted work",
    ]
    assert body["results"][0]["authors"][0]["email"] == "ada@example.org"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=lost", "status"),
        ("author=abc", "author"),
        ("author=99999999999999999999999", "author"),
        ("session=x", "session"),
        ("ordering=password", "ordering"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(client, programme_event, query, field):
    response = client.get(f"/api/v1/abstracts/?{query}")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]


def test_pages_hold_at_most_a_hundred(client, programme_event):
    for n in range(3):
        make_abstract(programme_event, title=f"Extra {n}")
    body = client.get("/api/v1/abstracts/?event=programme&page_size=2").json()
    assert (body["count"], len(body["results"])) == (6, 2)
    assert "page=2" in body["next"]
    body = client.get("/api/v1/abstracts/?event=programme&page_size=100000").json()
    assert len(body["results"]) == 6
    assert client.get("/api/v1/abstracts/?page=99").status_code == 404


def test_the_people_list_shows_authors_of_visible_abstracts_only(client, programme_event, world):
    names = {row["last_name"] for row in client.get("/api/v1/people/?page_size=100").json()["results"]}
    assert names == {"Curie", "Noether", "Lovelace", "Hopper"}  # the accepted abstracts' authors
    row = client.get("/api/v1/people/?search=curie").json()["results"][0]
    assert row["email"] is None
    assert row["abstracts_url"].endswith(f"/api/v1/abstracts/?author={row['id']}")


def test_the_keyword_list_links_to_the_abstracts_with_it(client, programme_event):
    row = client.get("/api/v1/keywords/?event=programme&search=imag").json()["results"][0]
    assert row["label"] == "Imaging"
    assert titles(client.get(row["abstracts_url"])) == ["Zebrafish imaging"]


def test_etag_and_304_on_the_list_and_a_change_gives_a_new_tag(client, world):
    world.login(client, "organiser")
    url = "/api/v1/abstracts/?event=open-meeting"
    first = client.get(url)
    etag = first["ETag"]
    assert first.status_code == 200 and etag.startswith('W/"') and first["Last-Modified"]

    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag

    # Reordering touches no timestamp but bumps the event's revision: the tag changes.
    abstracts_assign_session(
        event=world.event,
        abstract_ids=[world.submitted.pk],
        session_id=world.event.sessions.get(title="Physics").pk,
    )
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_etag_of_a_detail_follows_its_changes_and_who_asks(client, world):
    url = f"/api/v1/abstracts/{world.accepted.pk}/"
    anonymous = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=anonymous).status_code == 304
    poster_code_set(event=world.event, abstract_id=world.accepted.pk, code="PS5")
    assert client.get(url, HTTP_IF_NONE_MATCH=anonymous).status_code == 200

    world.login(client, "organiser")
    # An organiser sees e-mail addresses: never the anonymous copy.
    assert client.get(url, HTTP_IF_NONE_MATCH=client.get(url)["ETag"]).status_code == 304
    tag = client.get(url)["ETag"]
    client.logout()
    assert client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 200


def test_event_list_and_detail_have_etags(client, world):
    for url in ("/api/v1/events/", "/api/v1/events/open-meeting/", "/api/v1/sessions/"):
        tag = client.get(url)["ETag"]
        assert client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304, url
    tag_before = client.get("/api/v1/events/open-meeting/")["ETag"]
    abstracts_decide(
        event=world.event, abstract_ids=[world.submitted.pk], status="accepted"
    )  # a new revision
    assert client.get("/api/v1/events/open-meeting/", HTTP_IF_NONE_MATCH=tag_before).status_code == 200


def test_unknown_addresses_and_errors_under_api_are_json(client, db):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "not_found"
    response = client.get("/api/v1/abstracts/12345/")
    assert response.status_code == 404
    assert error_of(response) == {"code": "not_found", "message": "Not found."}
    # Elsewhere, Django's own pages.
    assert client.get("/events/no-such-event/").status_code == 404
    assert "json" not in client.get("/events/no-such-event/")["Content-Type"]


def test_the_schema_describes_every_route_and_the_error_format(client, db):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "ErrorResponse" in schema["components"]["schemas"]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"
    paths = schema["paths"]
    for path in (
        "/api/v1/abstracts/",
        "/api/v1/abstracts/{id}/decide/",
        "/api/v1/events/{slug}/author-index/",
        "/api/v1/book-builds/{id}/pdf/",
    ):
        assert path in paths, sorted(paths)
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("description"), f"{method.upper()} {path} is not described"
            assert "404" in operation["responses"], f"{method.upper()} {path}"
    assert reverse("api_docs:docs") == "/api/docs/"


def test_django_error_pages_under_api_answer_in_the_error_format(rf):
    from django.urls import get_resolver

    resolver = get_resolver()
    response = resolver.resolve_error_handler(500)(rf.get("/api/v1/events/"))
    assert (response.status_code, response["Content-Type"]) == (500, "application/json")
    assert json.loads(response.content)["error"]["code"] == "server_error"
    response = resolver.resolve_error_handler(403)(rf.get("/api/v1/events/"), PermissionError("No."))
    assert (response.status_code, json.loads(response.content)["error"]["code"]) == (403, "permission_denied")
    response = resolver.resolve_error_handler(400)(rf.get("/api/v1/events/"), ValueError())
    assert (response.status_code, json.loads(response.content)["error"]["code"]) == (400, "bad_request")
    assert resolver.resolve_error_handler(500)(rf.get("/events/"))["Content-Type"].startswith("text/html")


def test_a_built_book_is_listed_with_its_pages_and_downloads_as_a_pdf(client, db):
    from books.services import build_book_now
    from tests.factories import make_abstract, make_event

    event = make_event(is_published=True, slug="built-meeting")
    for n in range(3):
        make_abstract(event, title=f"Printed {n}", status="accepted")
    build = build_book_now(event, processes=1).build

    listed = client.get("/api/v1/book-builds/", {"event": "built-meeting"}).json()
    rows = [row for row in listed["results"] if row["id"] == build.pk]
    assert len(rows) == 1
    row = rows[0]
    assert (row["status"], row["pages"]) == ("succeeded", build.pages)
    assert row["pages"] >= 4 and row["finished_at"]  # cover, contents, three abstracts, indexes
    pdf = client.get(row["download_url"])
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content)[:5] == b"%PDF-"
