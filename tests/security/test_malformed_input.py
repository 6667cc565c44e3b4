"""Malformed JSON to the API is a 400 in the documented error format, never a 500; a malformed exchange
file is refused by the import command with a message that says what and where, and imports nothing."""

import copy
import json
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from abstracts.exchange import export_event
from abstracts.models import Abstract, Affiliation, Keyword, Person
from conference.models import Event, Session
from tests.abstracts.test_submission import open_call_event
from tests.factories import demo_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(settings):
    settings.API_THROTTLE_RATES = {"anon": "100000/minute", "token": "100000/minute", "user": "100000/minute"}
    open_call_event(slug="open-call")
    client = APIClient()
    client.force_login(User.objects.create_user("ana@example.org", "ana@example.org", None))
    return client


def body(**fields) -> str:
    return json.dumps({"event": "open-call", "title": "A title", **fields})


MALFORMED_BODIES = {
    "broken JSON": ('{"event": "open-call", "title": ', "parse_error"),
    "a trailing comma": ('{"event": "open-call",}', "parse_error"),
    "not UTF-8": (b'{"event": "open-call", "title": "\xff\xfe"}', "parse_error"),
    "a NUL byte outside a string": ('{"event": "open-call",\x00 "title": "x"}', "parse_error"),
    "NaN": ('{"event": "open-call", "title": "x", "preferred_session": NaN}', "parse_error"),
    "a 5000-digit number": (body()[:-1] + ', "preferred_session": 1' + "0" * 5000 + "}", "parse_error"),
    "nested 100,000 deep": ("[" * 100_000 + "]" * 100_000, "parse_error"),
    "nested 200 deep in a field": (body()[:-1] + ', "authors": ' + "[" * 200 + "]" * 200 + "}", "invalid"),
    "a list instead of an object": ('["open-call", "A title"]', "invalid"),
    "a string instead of an object": ('"open-call"', "invalid"),
    "null": ("null", "invalid"),
    "an empty body": ("", "invalid"),
    "a boolean for the title": (body(title=True), "invalid"),
    "an object for the title": (body(title={"$gt": ""}), "invalid"),
    "a string for the authors": (body(authors="Ada Lovelace"), "invalid"),
    "numbers for authors": (body(authors=[1, 2]), "invalid"),
    "an object for the keywords": (body(keywords={"a": 1}), "invalid"),
    "a string for an affiliation number": (
        body(affiliations=["X"], authors=[{"last_name": "L", "affiliations": ["one"]}]),
        "invalid",
    ),
    "a huge affiliation number": (
        body(affiliations=["X"], authors=[{"last_name": "L", "affiliations": [10**30]}]),
        "invalid",
    ),
    "a huge session id": (body(preferred_session=10**30), "invalid"),
    "an overflowing float for the session": (body()[:-1] + ', "preferred_session": 1e400}', "invalid"),
    "a negative session id": (body(preferred_session=-1), "invalid"),
    "a word for submit": (body(submit="maybe"), "invalid"),
    "a NUL in the title": (body(title="A\u0000B"), "invalid"),
    "a NUL in the event's slug": (json.dumps({"event": "open-call\u0000", "title": "x"}), "invalid"),
    "a lone surrogate": ('{"event": "open-call", "title": "\\udc00x"}', "invalid"),
    "a number for the event": (json.dumps({"event": 7, "title": "x"}), "invalid"),
    "a control character in a name": (body(authors=[{"last_name": "L\u001bee"}]), "invalid"),
}


@pytest.mark.parametrize("name", MALFORMED_BODIES)
def test_malformed_json_to_the_api_is_a_400_in_the_error_format(api, name):
    raw, code = MALFORMED_BODIES[name]

    response = api.post("/api/v1/abstracts/", raw, content_type="application/json")

    assert response.status_code == 400, (name, response.content[:300])
    error = response.json()["error"]
    assert set(response.json()) == {"error"} and error["code"] == code, (name, error)
    assert error["message"]
    if code == "invalid":
        assert error["fields"] and all(isinstance(m, list) and m for m in error["fields"].values()), error
    assert not Abstract.objects.exists()


def test_malformed_json_to_an_abstract_and_an_organisers_action_is_a_400_too(api):
    created = api.post("/api/v1/abstracts/", body(), content_type="application/json")
    pk = created.json()["id"]
    for raw in ("{", "[" * 50_000, '{"title": [[[[]]]]}', '{"title": "\\u0000"}', "[1, 2]"):
        response = api.patch(f"/api/v1/abstracts/{pk}/", raw, content_type="application/json")
        assert response.status_code == 400, (raw[:20], response.content[:200])
        assert set(response.json()) == {"error"}
    organiser = User.objects.create_superuser("root@example.org", "root@example.org", None)
    api.force_login(organiser)
    for action, raw in (("decide", '{"status": ["accepted"]}'), ("move", '{"step": 1e400}'), ("code", "{{")):
        response = api.post(f"/api/v1/abstracts/{pk}/{action}/", raw, content_type="application/json")
        assert response.status_code == 400, (action, response.content[:200])
        assert set(response.json()) == {"error"}
    assert Abstract.objects.get(pk=pk).title == "A title"


# --- Exchange files ---------------------------------------------------------------------------------


def small_file() -> dict:
    data = demo_data()
    data["abstracts"] = data["abstracts"][:3]
    return data


def changed(edit) -> dict:
    data = small_file()
    edit(data)
    return data


def _set(path: str, value):
    def edit(data):
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return edit


def raw_text(text: str) -> bytes:
    return text.encode("utf-8")


DEMO_TEXT = json.dumps(small_file(), ensure_ascii=False)

MALFORMED_FILES = {
    "broken JSON": (raw_text(DEMO_TEXT[:-40]), "not valid JSON: Unterminated string starting at line 1"),
    "not JSON at all": (b"PK\x03\x04 a zip file", "not valid JSON: Expecting value at line 1, column 1"),
    "Latin-1, not UTF-8": (DEMO_TEXT.encode("latin-1", errors="replace"), "the file is not UTF-8 text"),
    "nested 100,000 deep": (raw_text("[" * 100_000 + "]" * 100_000), "the JSON is nested too deeply"),
    "a key given twice": (
        raw_text(DEMO_TEXT.replace('"title": ', '"title": "First", "title": ', 1)),
        "the key 'title' is given twice in one object; keep one",
    ),
    "NaN": (raw_text(DEMO_TEXT.replace('"order": 1', '"order": NaN', 1)), "NaN is not a JSON number"),
    "a 5000-digit number": (
        raw_text(DEMO_TEXT.replace('"order": 1', '"order": 1' + "0" * 5000, 1)),
        "not valid JSON: Exceeds the limit (4300 digits)",
    ),
    "an array for the file": (raw_text("[]"), "[] is not of type 'object'"),
    "abstracts as an object": (
        json.dumps(changed(_set("abstracts", {"a": 1}))).encode(),
        "abstracts: {'a': 1}",
    ),
    "a number for a title": (
        json.dumps(changed(_set("abstracts.1.title", 7))).encode(),
        "abstracts[1].title: 7",
    ),
    "a garbage field": (
        json.dumps(changed(_set("abstracts.2.script", "<script>"))).encode(),
        "abstracts[2]: Additional properties are not allowed ('script' was unexpected)",
    ),
    "deep garbage in a field": (
        json.dumps(changed(_set("abstracts.0.title", json.loads("[" * 500 + "]" * 500)))).encode(),
        "abstracts[0].title: [[[[",
    ),
    "a huge order": (
        json.dumps(changed(_set("abstracts.0.order", 10**30))).encode(),
        "abstracts[0].order: 1000000000000000000000000000000 is greater than the maximum of 2147483647",
    ),
    "a bad date": (json.dumps(changed(_set("event.start_date", "2026-02-30"))).encode(), "is not a date"),
    "an unknown session": (
        json.dumps(changed(_set("abstracts.1.session", "Nowhere"))).encode(),
        "abstracts[1].session: unknown session 'Nowhere'",
    ),
    "a missing affiliation": (
        json.dumps(changed(_set("abstracts.2.authors.0.affiliations", [99]))).encode(),
        "abstracts[2].authors[0].affiliations[0]: affiliation 99 is not in this abstract's list",
    ),
    "a missing title": (
        json.dumps(changed(lambda data: data["abstracts"][1].pop("title"))).encode(),
        "abstracts[1].title: is required",
    ),
    "a NUL in a name": (
        json.dumps(changed(_set("abstracts.1.authors.0.last_name", "Lee\u0000"))).encode(),
        "abstracts[1].authors[0].last_name: contains a control character (U+0000) at position 4",
    ),
    "a lone surrogate": (
        raw_text(DEMO_TEXT.replace('"title": "', '"title": "\\ud800', 1)),
        "abstracts[0].title: contains a lone surrogate (U+D800) at position 1, which is not text",
    ),
}


@pytest.mark.parametrize("name", MALFORMED_FILES)
def test_a_malformed_exchange_file_is_refused_with_a_clear_error_and_imports_nothing(tmp_path, name):
    raw, message = MALFORMED_FILES[name]
    path = tmp_path / "event.json"
    path.write_bytes(raw)

    with pytest.raises(CommandError) as raised:
        call_command("import_event", str(path), stdout=StringIO())

    assert "nothing was imported" in str(raised.value)
    assert message in str(raised.value), str(raised.value)[:2000]
    assert len(str(raised.value)) < 3000, "a message quotes the bad value, not all of it"
    for model in (Event, Session, Abstract, Person, Affiliation, Keyword):
        assert not model.objects.exists(), model


def test_a_malformed_file_leaves_an_imported_event_exactly_as_it_was(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(small_file(), ensure_ascii=False), encoding="utf-8")
    call_command("import_event", str(good), stdout=StringIO())
    event = Event.objects.get()
    before = export_event(event)
    counts = [model.objects.count() for model in (Session, Abstract, Person, Affiliation, Keyword)]

    bad = copy.deepcopy(small_file())
    bad["abstracts"][0]["title"] = "Changed"
    bad["abstracts"][2]["authors"][0]["affiliations"] = [42]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(CommandError, match="1 problem, nothing was imported"):
        call_command("import_event", str(path), stdout=StringIO())

    assert export_event(Event.objects.get()) == before
    assert [model.objects.count() for model in (Session, Abstract, Person, Affiliation, Keyword)] == counts


def test_a_utf8_file_with_a_byte_order_mark_imports(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(small_file(), ensure_ascii=False).encode())
    call_command("import_event", str(path), stdout=StringIO())
    assert Abstract.objects.count() == 3
