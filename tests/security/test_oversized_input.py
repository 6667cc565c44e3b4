"""Oversized input gets an answer that names the limit: a form error, an API 400 (or 413) by field, an
import error by place; never a crash, a bare 400 or a 500.

The limits: a text of at most 20,000 characters (about 3,000 words: ten times the usual 300-word limit,
room for a two-page extended abstract; the event's word limit is what a submission must meet);
100 authors, 60 affiliations, 20 keywords per abstract; the columns' lengths for the other fields;
a request body of at most Django's 2.5 MiB (a full abstract at its limits is well under 1 MB).
"""

import json
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from pypdf import PdfReader
from rest_framework.test import APIClient

from abstracts.models import Abstract
from tests.abstracts.test_submission import form_data, open_call_event
from tests.factories import demo_data
from tests.security.test_hostile_markup import text_of

pytestmark = pytest.mark.django_db

FIVE_MB = "word " * 1_000_000


@pytest.fixture
def event():
    return open_call_event(slug="open-call", word_limit=300)


@pytest.fixture
def user(client):
    user = User.objects.create_user("ana@example.org", "ana@example.org", None)
    client.force_login(user)
    return user


@pytest.fixture
def api(user, settings):
    settings.API_THROTTLE_RATES = {"anon": "100000/minute", "token": "100000/minute", "user": "100000/minute"}
    client = APIClient()
    client.force_login(user)
    return client


def form_errors(response) -> str:
    return text_of(response.content.decode())


def test_a_5_mb_abstract_through_the_form_gets_a_page_that_gives_the_limits(client, user, event):
    response = client.post(f"/events/{event.slug}/submit/", form_data(event, text=FIVE_MB))

    assert response.status_code == 413
    page = form_errors(response)
    assert "What was sent (5.0 MB) is more than the 2.6 MB taken at once." in page
    assert "An abstract's text can be at most 20,000 characters; shorten it and send it again." in page
    assert "Nothing was saved." in page
    assert not Abstract.objects.exists()


def test_a_text_over_the_limit_is_a_form_error_next_to_the_text(client, user, event):
    response = client.post(f"/events/{event.slug}/submit/", form_data(event, text="x" * 20_001))

    assert response.status_code == 400
    assert "Ensure this value has at most 20000 characters (it has 20001)." in form_errors(response)
    assert not Abstract.objects.exists()


def test_500_authors_through_the_form_are_refused_with_the_limit(client, user, event):
    authors = [("Ann", f"Author{n}", [0]) for n in range(500)]
    response = client.post(f"/events/{event.slug}/submit/", form_data(event, authors=authors))

    assert response.status_code == 400
    assert "At most 100 authors can be listed; remove some." in form_errors(response)
    assert not Abstract.objects.exists()


def test_10000_keywords_through_the_form_are_refused_with_the_limit(client, user, event):
    keywords = [f"keyword {n}" for n in range(10_000)]
    response = client.post(f"/events/{event.slug}/submit/", form_data(event, keywords=keywords))

    assert response.status_code == 400
    assert "At most 20 keywords can be listed; remove some." in form_errors(response)


def test_more_fields_than_django_takes_get_a_page_that_gives_the_limits(client, user, event):
    extra = {f"keyword-{n}-DELETE": "" for n in range(10_000)}
    keywords = [f"keyword {n}" for n in range(10_000)]
    response = client.post(f"/events/{event.slug}/submit/", form_data(event, keywords=keywords, **extra))

    assert response.status_code == 413
    assert (
        "The form sent more than 20,000 fields, more than any abstract needs: at most 100 authors, "
        "60 affiliations and 20 keywords can be listed." in form_errors(response)
    )


def test_long_names_and_words_get_the_columns_limits_in_the_form(client, user, event):
    response = client.post(
        f"/events/{event.slug}/submit/",
        form_data(event, authors=(("A" * 151, "B" * 151, [0]),), keywords=("k" * 201,), note="n" * 501),
    )

    assert response.status_code == 400
    errors = form_errors(response)
    assert "Ensure this value has at most 150 characters (it has 151)." in errors
    assert "Ensure this value has at most 200 characters (it has 201)." in errors
    assert "Ensure this value has at most 500 characters (it has 501)." in errors


def test_the_api_answers_oversized_input_by_field_in_its_error_format(api, event):
    big = api.post(
        "/api/v1/abstracts/", {"event": event.slug, "title": "Big", "text": FIVE_MB}, format="json"
    )
    assert big.status_code == 413
    assert big.json() == {
        "error": {
            "code": "too_large",
            "message": "What was sent (5.0 MB) is more than the 2.6 MB taken at once. An abstract's text can "
            "be at most 20,000 characters; shorten it and send it again.",
        }
    }
    cases = {
        "text": ({"text": "x" * 20_001}, "text", "Ensure this field has no more than 20000 characters."),
        "authors": (
            {"authors": [{"last_name": f"A{n}"} for n in range(500)]},
            "authors.non_field_errors",
            "Ensure this field has no more than 100 elements.",
        ),
        "keywords": (
            {"keywords": [f"k{n}" for n in range(10_000)]},
            "keywords",
            "Ensure this field has no more than 20 elements.",
        ),
        "a long name": (
            {"authors": [{"last_name": "L" * 5000}]},
            "authors.0.last_name",
            "Ensure this field has no more than 150 characters.",
        ),
        "a long keyword": (
            {"keywords": ["k" * 5000]},
            "keywords.0",
            "Ensure this field has no more than 200 characters.",
        ),
    }
    for name, (body, field, message) in cases.items():
        response = api.post("/api/v1/abstracts/", {"event": event.slug, "title": "T", **body}, format="json")
        assert response.status_code == 400, name
        assert response.json()["error"]["fields"][field] == [message], name
    assert not Abstract.objects.exists()


def test_a_20000_character_word_and_150_character_names_are_kept_and_printed(api, event, tmp_path):
    word = "Pneumono" * 2_500
    body = {
        "event": event.slug,
        "title": "T" * 500,
        "text": word,
        "affiliations": ["A" * 500],
        "authors": [
            {"first_name": "F" * 150, "last_name": "L" * 150, "affiliations": [1], "is_presenting": True}
        ],
        "keywords": ["K" * 200],
    }
    response = api.post("/api/v1/abstracts/", body, format="json")
    assert response.status_code == 201, response.json()
    abstract = Abstract.objects.get()
    assert abstract.text == word
    Abstract.objects.filter(pk=abstract.pk).update(status="accepted", code="PS1")
    event.is_published = True
    event.save()

    page = APIClient().get(f"/events/{event.slug}/abstracts/{abstract.pk}/")
    assert page.status_code == 200 and word in page.content.decode()
    out = tmp_path / "book.pdf"
    call_command("build_book", event.slug, "-o", str(out), "--processes", "1", stdout=StringIO())
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert "L" * 150 in text.replace("\n", "")
    assert "Pneumono" * 20 in text.replace("\n", "")


def one_abstract_file(tmp_path, **changes) -> str:
    data = demo_data()
    data["abstracts"] = data["abstracts"][:2]
    data["abstracts"][1].update(changes)
    path = tmp_path / "big.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": FIVE_MB}, "abstracts[1].text: is 5,000,000 characters long; at most 20,000 fit"),
        (
            {"authors": [{"first_name": "A", "last_name": f"B{n}", "affiliations": [1]} for n in range(500)]},
            "abstracts[1].authors: lists 500 authors; at most 100 are taken",
        ),
        (
            {"keywords": [f"k{n}" for n in range(10_000)]},
            "abstracts[1].keywords: lists 10,000 keywords; at most 20",
        ),
        ({"title": "T" * 100_000}, "abstracts[1].title: is 100,000 characters long; at most 500 fit"),
    ],
    ids=["5 MB text", "500 authors", "10000 keywords", "long title"],
)
def test_an_oversized_exchange_file_is_refused_naming_the_limit_and_imports_nothing(
    tmp_path, changes, message
):
    with pytest.raises(CommandError) as raised:
        call_command("import_event", one_abstract_file(tmp_path, **changes), stdout=StringIO())

    assert "1 problem, nothing was imported" in str(raised.value)
    assert message in str(raised.value)
    assert len(str(raised.value)) < 1000, "the message quotes the value, not all of it"
    assert not Abstract.objects.exists()
