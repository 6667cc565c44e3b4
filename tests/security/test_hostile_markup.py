"""Script, event handlers, javascript: URLs, frames, SVG and style in every text field, through the web
form, the API and the exchange import: refused where markup is checked, kept as text everywhere else,
and inert on every page that shows them (HTML checked on the server here, in Chromium beside this)."""

import json
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader
from rest_framework.test import APIClient

from abstracts.models import Abstract
from indexes.services import index_rebuild
from tests.abstracts.test_submission import form_data, open_call_event
from tests.security.hostile import (
    ATTACK,
    PAYLOADS,
    TEXT_NEAR_MISS,
    TITLE_NEAR_MISS,
    hostile_exchange,
    hostile_world,
    injected_markup,
    pages_of,
)

pytestmark = pytest.mark.django_db


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(html: str) -> str:
    """The page's text as a reader sees it (entities decoded, tags gone), runs of space folded."""
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture
def world(settings):
    settings.API_THROTTLE_RATES = {"anon": "100000/minute", "token": "100000/minute", "user": "100000/minute"}
    world = hostile_world()
    index_rebuild(event_id=world.event.pk, force=True)
    return world


def test_the_scanner_finds_each_payload_when_it_is_not_escaped():
    """The check below can fail: each payload, put into a page raw, is found."""
    for payload in PAYLOADS[:-1]:  # the last is a javascript: URL as plain text, harmless as text
        in_text = injected_markup(f"<html><body><p>{payload}</p></body></html>")
        in_attribute = injected_markup(f"<html><body><input value='{payload}'></body></html>")
        assert in_text or in_attribute, payload
    assert injected_markup("<p><a href='javascript:alert(1)'>x</a></p>")
    assert injected_markup('<p><input value=""><img class="pwn" src=x onerror=alert("pwn")>"></p>')


def test_no_page_that_shows_the_hostile_abstracts_carries_their_markup(client, world):
    users = {"submitter": world.submitter, "organiser": world.organiser}
    for name, (role, path) in pages_of(world).items():
        client.logout()
        if role:
            client.force_login(users[role])
        response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        html = response.content.decode()
        assert injected_markup(html) == [], name
        assert "pwn" in html, f"{name} does not show the hostile content at all"


def test_plain_fields_are_shown_as_typed_and_markup_fields_without_the_attack(client, world):
    page = text_of(
        client.get(f"/events/{world.event.slug}/abstracts/{world.via_service.pk}/").content.decode()
    )
    # Names, note, affiliations and keywords are text: the attack reads as typed.
    assert PAYLOADS[0] in page  # the first name
    assert " ".join(ATTACK[:500].split()) in page  # the note
    assert PAYLOADS[7] in page  # a keyword
    # The title and text keep their allowed markup and their text, never a tag of the attack.
    html = client.get(f"/events/{world.event.slug}/abstracts/{world.via_service.pk}/").content.decode()
    assert "CO<sub>2</sub>" in html and "<i>italic</i>" in html
    assert "javascript:alert(&#x27;pwn&#x27;)" in html or "javascript:alert('pwn')" in page
    admin = text_of(
        client.get(f"/events/{world.event.slug}/abstracts/{world.via_admin.pk}/").content.decode()
    )
    assert "cover" in admin and "click" in admin, "the text around the removed markup is kept"
    assert "window.pwn" not in admin, "a script's content is dropped, not shown"


def test_the_api_gives_plain_fields_as_stored_and_markup_fields_sanitised(client, world):
    api = APIClient()
    service = api.get(f"/api/v1/abstracts/{world.via_service.pk}/").json()
    assert service["authors"][0]["first_name"] == PAYLOADS[0]
    assert service["note"] == " ".join(ATTACK[:500].split())
    assert [k["label"] for k in service["keywords"]][:2] == [PAYLOADS[0], PAYLOADS[1]]
    assert service["title"] == TITLE_NEAR_MISS  # only allowed markup: given as stored
    admin = api.get(f"/api/v1/abstracts/{world.via_admin.pk}/").json()
    for field in ("title", "text"):
        assert injected_markup(f"<p>{admin[field]}</p>") == [], field
        assert "<script" not in admin[field] and "onerror" not in admin[field].replace("&", "")
    imported = api.get(f"/api/v1/abstracts/{world.via_import.pk}/").json()
    assert imported["authors"][0]["last_name"] == "Importer " + PAYLOADS[8]
    assert injected_markup(f"<p>{imported['text']}</p>") == []


def test_markup_other_than_inline_tags_in_a_title_or_text_is_refused_with_what_to_remove(client):
    from django.contrib.auth.models import User

    event = open_call_event(slug="open-call")
    user = User.objects.create_user("ana@example.org", "ana@example.org", None)
    client.force_login(user)
    response = client.post(f"/events/{event.slug}/submit/", form_data(event, title=ATTACK[:500], text=ATTACK))
    assert response.status_code == 400
    page = text_of(response.content.decode())
    assert (
        "Only <i>, <b>, <sup> and <sub> (and <em>, <strong>) are allowed here; remove <script>, <img>" in page
    )
    assert injected_markup(response.content.decode()) == []  # the form sent back shows it as text

    api = APIClient()
    api.force_login(user)
    body = {"event": event.slug, "title": "<svg onload=alert(1)>", "text": '<i onclick="alert(1)">x</i>'}
    response = api.post("/api/v1/abstracts/", body, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["title"] == [
        "Only <i>, <b>, <sup> and <sub> (and <em>, <strong>) are allowed here; remove <svg>."
    ]
    assert "remove attributes on <i>" in fields["text"][0]
    assert not Abstract.objects.exists()


def test_plain_fields_are_stored_exactly_as_sent_through_form_api_and_import(client, tmp_path):
    from django.contrib.auth.models import User

    event = open_call_event(slug="open-call")
    user = User.objects.create_user("ana@example.org", "ana@example.org", None)
    client.force_login(user)
    attack = PAYLOADS[1]
    client.post(
        f"/events/{event.slug}/submit/",
        form_data(
            event,
            title=TITLE_NEAR_MISS,
            text=TEXT_NEAR_MISS,
            note=attack,
            affiliations=(attack,),
            authors=((attack, attack, [0]),),
            keywords=(attack,),
        ),
    )
    by_form = Abstract.objects.get()
    api = APIClient()
    api.force_login(user)
    response = api.post(
        "/api/v1/abstracts/",
        {
            "event": event.slug,
            "title": TITLE_NEAR_MISS,
            "text": TEXT_NEAR_MISS,
            "note": attack,
            "affiliations": [attack],
            "authors": [{"first_name": attack, "last_name": attack + " 2", "affiliations": [1]}],
            "keywords": [attack],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    by_api = Abstract.objects.get(pk=response.json()["id"])
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(hostile_exchange("imported")), encoding="utf-8")
    call_command("import_event", str(path), stdout=StringIO())
    by_import = Abstract.objects.get(event__slug="imported")

    for abstract in (by_form, by_api):
        assert (abstract.title, abstract.text, abstract.note) == (TITLE_NEAR_MISS, TEXT_NEAR_MISS, attack)
        person = abstract.authorships.get().person
        assert person.first_name == attack and person.last_name.startswith(attack)
        assert abstract.authorships.get().affiliations.get().name == attack
        assert abstract.keyword_links.get().spelling == attack
    assert by_import.authorships.get().person.last_name == "Importer " + PAYLOADS[8]
    assert by_import.note == PAYLOADS[6]


def test_an_exchange_file_with_script_in_a_title_or_text_is_refused_and_says_where(tmp_path):
    data = hostile_exchange("refused")
    data["abstracts"][0]["title"] = PAYLOADS[0]
    data["abstracts"][0]["text"] = "Fine.\n\n" + PAYLOADS[2]
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("import_event", str(path), stdout=StringIO())
    message = str(raised.value)
    assert "2 problems, nothing was imported" in message
    only = "Only <i>, <b>, <sup> and <sub> (and <em>, <strong>) are allowed here"
    assert f"abstracts[0].title: {only}; remove <script>." in message
    assert "abstracts[0].text: Only" in message and "remove <svg>, <circle>." in message
    assert not Abstract.objects.exists()


def test_the_pdf_prints_hostile_fields_as_text_and_runs_nothing(world, tmp_path):
    out = tmp_path / "book.pdf"
    call_command("build_book", world.event.slug, "-o", str(out), "--processes", "1", stdout=StringIO())
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(out).pages)
    assert "Zed <script>window.pwn = 1;" in text  # a name, printed as typed
    assert "onerror" in text  # the note, as text
    reader = PdfReader(out)
    assert "/JavaScript" not in str(reader.trailer["/Root"]) and "/OpenAction" not in reader.trailer["/Root"]
