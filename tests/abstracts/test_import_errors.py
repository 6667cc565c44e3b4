"""A malformed exchange file is refused with every problem named by its place, and changes nothing.

The import is driven through its public surface: ``abstracts.exchange.import_event``
(raising ``ExchangeError`` with ``problems``) and the ``import_event`` management command
(raising ``CommandError`` with one ``path: message`` line per problem).
"""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from abstracts.exchange import ExchangeError, Problem, import_event, parse_exchange
from abstracts.models import (
    Abstract,
    AbstractKeyword,
    Affiliation,
    AuthorAffiliation,
    Authorship,
    Keyword,
    Person,
    UnattachedAffiliation,
)
from conference.models import Event, Session
from tests.factories import DEMO_FILE, demo_data, import_demo_event, make_abstract

pytestmark = pytest.mark.django_db

DEMO_SLUG = "helmholtz-ai-kick-off-2020"
# What the demo file makes in an empty database.
DEMO_COUNTS = {
    "Event": 1,
    "Session": 0,
    "Abstract": 46,
    "Person": 158,
    "Affiliation": 72,
    "Keyword": 199,
    "Authorship": 183,
    "AuthorAffiliation": 187,
    "AbstractKeyword": 268,
    "UnattachedAffiliation": 1,
}
MODELS = [
    Event,
    Session,
    Abstract,
    Person,
    Affiliation,
    Keyword,
    Authorship,
    AuthorAffiliation,
    AbstractKeyword,
    UnattachedAffiliation,
]


def write(tmp_path: Path, data: dict, name: str = "event.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def problems_of(data: dict) -> list[Problem]:
    with pytest.raises(ExchangeError) as excinfo:
        import_event(data)
    return excinfo.value.problems


def command_error(path: Path, *args: str) -> str:
    with pytest.raises(CommandError) as excinfo:
        call_command("import_event", str(path), *args, stdout=StringIO(), stderr=StringIO())
    return str(excinfo.value)


def run_command(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_event", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def snapshot() -> dict:
    """Everything an import could have changed, in a comparable form."""
    return {
        "counts": counts(),
        "events": list(Event.objects.order_by("pk").values_list("pk", "slug", "name", "updated_at")),
        "abstracts": list(
            Abstract.objects.order_by("pk").values_list("pk", "code", "title", "status", "updated_at")
        ),
        "people": list(Person.objects.order_by("pk").values_list("pk", "last_name", "email", "orcid")),
        "authorships": list(
            Authorship.objects.order_by("pk").values_list("pk", "abstract", "person", "position")
        ),
    }


# Files that cannot be read as exchange data


def test_a_truncated_file_is_reported_with_its_line_and_column(tmp_path):
    lines = DEMO_FILE.read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "truncated.json"
    path.write_text("".join(lines[:40]), encoding="utf-8")

    message = command_error(path)

    assert message == (
        f"{path}: 1 problem, nothing was imported:\n"
        "  not valid JSON: Expecting ',' delimiter at line 41, column 1"
    )
    assert counts() == dict.fromkeys(counts(), 0)


def test_a_truncated_file_is_reported_by_the_parser_as_one_problem_without_a_path():
    raw = DEMO_FILE.read_bytes()[:200]

    with pytest.raises(ExchangeError) as excinfo:
        parse_exchange(raw)

    [problem] = excinfo.value.problems
    assert problem.path == ""
    assert problem.message.startswith("not valid JSON: ")
    assert " at line " in problem.message
    assert ", column " in problem.message


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(json.dumps(demo_data(), ensure_ascii=False).encode("latin-1", errors="replace"))

    message = command_error(path)

    assert f"{path}: 1 problem, nothing was imported:\n  the file is not UTF-8 text: " in message
    assert not Event.objects.exists()


def test_a_missing_file_is_reported_by_the_command(tmp_path):
    path = tmp_path / "missing.json"

    assert command_error(path) == f"cannot read {path}: No such file or directory"


# Schema violations


def test_a_missing_abstract_title_is_reported_at_its_place(tmp_path):
    data = demo_data()
    del data["abstracts"][3]["title"]

    assert problems_of(data) == [Problem("abstracts[3].title", "is required")]
    assert command_error(write(tmp_path, data)).endswith(
        ": 1 problem, nothing was imported:\n  abstracts[3].title: is required"
    )


def test_an_affiliation_reference_of_the_wrong_type_is_reported_at_its_place():
    data = demo_data()
    data["abstracts"][2]["authors"][0]["affiliations"] = ["1"]

    assert problems_of(data) == [
        Problem("abstracts[2].authors[0].affiliations[0]", "'1' is not of type 'integer'")
    ]


def test_an_impossible_start_date_is_reported_at_its_place():
    data = demo_data()
    data["event"]["start_date"] = "2020-13-45"

    assert problems_of(data) == [Problem("event.start_date", "'2020-13-45' is not a date (YYYY-MM-DD)")]


def test_an_end_date_before_the_start_date_is_reported_at_its_place():
    data = demo_data()
    data["event"]["end_date"] = "2020-03-04"

    assert problems_of(data) == [Problem("event.end_date", "is before the start date")]


def test_an_unknown_property_is_reported_at_the_object_that_has_it():
    data = demo_data()
    data["abstracts"][4]["colour"] = "blue"

    [problem] = problems_of(data)

    assert problem.path == "abstracts[4]"
    assert "'colour' was unexpected" in problem.message


def test_an_unknown_author_property_is_reported_at_the_author():
    data = demo_data()
    data["abstracts"][0]["authors"][1]["affiliation"] = "DLR"

    [problem] = problems_of(data)

    assert problem.path == "abstracts[0].authors[1]"
    assert "'affiliation' was unexpected" in problem.message


def test_a_malformed_orcid_is_reported_by_the_schema():
    data = demo_data()
    data["abstracts"][6]["authors"][2]["orcid"] = "1234"

    [problem] = problems_of(data)

    assert problem.path == "abstracts[6].authors[2].orcid"
    assert problem.message.startswith("'1234' does not match ")


# Problems only the import sees


def test_an_unknown_session_is_reported_with_its_name(tmp_path):
    data = demo_data()
    data["abstracts"][5]["session"] = "Biophysics"

    assert problems_of(data) == [
        Problem("abstracts[5].session", "unknown session 'Biophysics' (the file's sessions: none)")
    ]
    assert "\n  abstracts[5].session: unknown session 'Biophysics'" in command_error(write(tmp_path, data))


def test_an_unknown_session_lists_the_sessions_the_file_has():
    data = demo_data()
    data["sessions"] = [{"title": "Earth", "order": 1}, {"title": "Biomedicine", "order": 2}]
    data["abstracts"][5]["session"] = "Biophysics"

    assert problems_of(data) == [
        Problem(
            "abstracts[5].session",
            "unknown session 'Biophysics' (the file's sessions: 'Biomedicine', 'Earth')",
        )
    ]


def test_an_affiliation_index_out_of_range_is_reported_at_its_place():
    data = demo_data()
    authors = data["abstracts"][12]["authors"]
    assert len(authors) >= 4
    assert [entry["index"] for entry in data["abstracts"][12]["affiliations"]] == [1]
    authors[3]["affiliations"] = [9]

    assert problems_of(data) == [
        Problem(
            "abstracts[12].authors[3].affiliations[0]", "affiliation 9 is not in this abstract's list (1–1)"
        )
    ]


def test_an_affiliation_given_twice_to_one_author_is_reported_at_the_second():
    data = demo_data()
    data["abstracts"][6]["authors"][1]["affiliations"] = [2, 2]

    assert problems_of(data) == [
        Problem("abstracts[6].authors[1].affiliations[1]", "affiliation 2 given twice")
    ]


def test_a_duplicate_code_is_reported_at_the_second_use_naming_the_first(tmp_path):
    data = demo_data()
    assert data["abstracts"][0]["code"] == "PS-01"
    data["abstracts"][7]["code"] = "PS-01"

    assert problems_of(data) == [
        Problem("abstracts[7].code", "duplicate code 'PS-01' (also at abstracts[0])")
    ]
    assert "\n  abstracts[7].code: duplicate code 'PS-01' (also at abstracts[0])" in command_error(
        write(tmp_path, data)
    )


def test_a_duplicate_code_with_surrounding_spaces_is_still_a_duplicate():
    data = demo_data()
    data["abstracts"][7]["code"] = " PS-01 "

    assert problems_of(data) == [
        Problem("abstracts[7].code", "duplicate code 'PS-01' (also at abstracts[0])")
    ]


def test_two_presenting_authors_are_reported_at_the_second():
    data = demo_data()
    data["abstracts"][1]["authors"][0]["presenting"] = True
    data["abstracts"][1]["authors"][2]["presenting"] = True

    [problem] = problems_of(data)

    assert problem.path == "abstracts[1].authors[2].presenting"
    assert problem.message.startswith("a second presenting author (the first is abstracts[1].authors[0])")


def test_a_wrong_orcid_check_digit_is_reported_at_the_orcid():
    data = demo_data()
    data["abstracts"][4]["authors"][1]["orcid"] = "0000-0002-1825-0098"

    assert problems_of(data) == [
        Problem("abstracts[4].authors[1].orcid", "'0000-0002-1825-0098' has a wrong check digit")
    ]


def test_the_same_author_twice_on_one_abstract_is_reported_at_the_second():
    data = demo_data()
    authors = data["abstracts"][3]["authors"]
    authors[4]["first_name"], authors[4]["last_name"] = authors[1]["first_name"], authors[1]["last_name"]

    assert problems_of(data) == [
        Problem("abstracts[3].authors[4]", "the same author as abstracts[3].authors[1]")
    ]


def test_an_invalid_email_is_reported_at_its_place():
    data = demo_data()
    data["abstracts"][9]["authors"][0]["email"] = "not an address"

    assert problems_of(data) == [
        Problem("abstracts[9].authors[0].email", "'not an address' is not an e-mail address")
    ]


def test_several_problems_are_all_reported_in_file_order(tmp_path):
    data = demo_data()
    data["abstracts"][5]["session"] = "Biophysics"
    data["abstracts"][12]["authors"][3]["affiliations"] = [9]
    data["abstracts"][40]["authors"][0]["orcid"] = "0000-0002-1825-0098"

    problems = problems_of(data)
    message = command_error(write(tmp_path, data))

    assert [problem.path for problem in problems] == [
        "abstracts[5].session",
        "abstracts[12].authors[3].affiliations[0]",
        "abstracts[40].authors[0].orcid",
    ]
    assert message.splitlines()[0].endswith(": 3 problems, nothing was imported:")
    assert [line.split(": ")[0] for line in message.splitlines()[1:]] == [
        "  abstracts[5].session",
        "  abstracts[12].authors[3].affiliations[0]",
        "  abstracts[40].authors[0].orcid",
    ]


def test_several_schema_problems_are_all_reported_by_path():
    data = demo_data()
    del data["abstracts"][30]["text"]
    data["abstracts"][3]["order"] = 0
    data["event"]["start_date"] = "5 March 2020"

    problems = problems_of(data)

    assert {problem.path: problem.message for problem in problems} == {
        "abstracts[3].order": "0 is less than the minimum of 1",
        "abstracts[30].text": "is required",
        "event.start_date": "'5 March 2020' is not a date (YYYY-MM-DD)",
    }
    assert len(problems) == 3


# A refused file changes nothing


def test_a_file_broken_late_leaves_an_imported_event_exactly_as_it_was(tmp_path):
    event = import_demo_event()
    before = snapshot()
    titles = list(event.abstracts.order_by("code_sort").values_list("title", flat=True))
    data = demo_data()
    original_title = data["abstracts"][0]["title"]
    data["abstracts"][0]["title"] = "A new title that must not be saved"
    data["abstracts"][0]["keywords"].append("A keyword that must not be saved")
    data["event"]["venue"] = "Somewhere else"
    data["abstracts"][40]["authors"][1]["affiliations"] = [7]

    message = command_error(write(tmp_path, data))

    assert message.endswith(
        ": 1 problem, nothing was imported:\n"
        "  abstracts[40].authors[1].affiliations[0]: affiliation 7 is not in this abstract's list (1–1)"
    )
    assert snapshot() == before
    assert list(event.abstracts.order_by("code_sort").values_list("title", flat=True)) == titles
    assert Abstract.objects.get(event=event, code="PS-01").title == original_title
    assert not Keyword.objects.filter(label="A keyword that must not be saved").exists()
    event.refresh_from_db()
    assert event.venue == "Lenbach Palais, Munich"


def test_a_broken_file_leaves_an_empty_database_empty(tmp_path):
    data = demo_data()
    data["abstracts"][45]["authors"][0]["orcid"] = "0000-0002-1825-0098"

    with pytest.raises(ExchangeError):
        import_event(data)
    message = command_error(write(tmp_path, data))

    assert "abstracts[45].authors[0].orcid: '0000-0002-1825-0098' has a wrong check digit" in message
    assert counts() == dict.fromkeys(counts(), 0)


def _merged_identities(data: dict) -> dict:
    """Abstract 40 names two different authors whom abstract 0 has made one person.

    Abstract 0's first author carries both an ORCID and an e-mail; abstract 40's first
    author has that ORCID, its second that e-mail. The file passes validation, and the
    import only meets the clash when it reaches abstract 40, after abstract 0 is written.
    """
    first = data["abstracts"][0]["authors"][0]
    first["orcid"], first["email"] = "0000-0002-1825-0097", "josiah.carberry@example.org"
    later = data["abstracts"][40]["authors"]
    later[0]["orcid"] = "0000-0002-1825-0097"
    later[1]["email"] = "josiah.carberry@example.org"
    return data


def test_an_import_failing_while_it_writes_leaves_the_database_exactly_as_it_was():
    event = import_demo_event()
    before = snapshot()
    data = _merged_identities(demo_data())
    data["abstracts"][0]["title"] = "A new title that must not be saved"

    # Whatever the exception, nothing of abstracts[0..39] may stay behind.
    with pytest.raises((ExchangeError, IntegrityError)):
        import_event(data)

    assert snapshot() == before
    assert Abstract.objects.get(event=event, code="PS-01").title == demo_data()["abstracts"][0]["title"]
    assert not Person.objects.filter(orcid="0000-0002-1825-0097").exists()


def test_two_authors_of_one_abstract_that_resolve_to_one_person_are_reported_at_the_second():
    data = _merged_identities(demo_data())

    problems = problems_of(data)

    assert [problem.path for problem in problems] == ["abstracts[40].authors[1]"]
    assert counts() == dict.fromkeys(counts(), 0)


# Importing again


def test_importing_the_demo_twice_creates_nothing_twice(tmp_path):
    import_demo_event()
    first = counts()

    output = run_command(DEMO_FILE)

    assert output.strip() == (
        f"Updated event {DEMO_SLUG!r}: 0 abstracts created, 46 updated, "
        "0 not in the file left as they were; 0 people created."
    )
    assert counts() == first == DEMO_COUNTS


def test_the_demo_imports_its_codes_in_order():
    event = import_demo_event()

    assert list(event.abstracts.values_list("code", flat=True)) == [f"PS-{n:02d}" for n in range(1, 47)]


def test_reimporting_a_changed_title_updates_the_abstract_in_place(tmp_path):
    event = import_demo_event()
    before = counts()
    abstract = Abstract.objects.get(event=event, code="PS-11")
    authorships = list(abstract.authorships.values_list("person", "position"))
    data = demo_data()
    assert data["abstracts"][10]["code"] == "PS-11"
    data["abstracts"][10]["title"] = "Digital twinning, revised"

    output = run_command(write(tmp_path, data))

    assert "0 abstracts created, 46 updated" in output
    assert counts() == before
    updated = Abstract.objects.get(event=event, code="PS-11")
    assert updated.pk == abstract.pk
    assert updated.title == "Digital twinning, revised"
    assert list(updated.authorships.values_list("person", "position")) == authorships


def test_reimporting_an_abstract_without_a_code_finds_it_by_title(tmp_path):
    data = demo_data()
    data["abstracts"][2]["code"] = None
    event = import_event(data).event
    abstract = Abstract.objects.get(event=event, code="")
    data["abstracts"][2]["text"] = "A new text."

    output = run_command(write(tmp_path, data))

    assert "0 abstracts created, 46 updated" in output
    assert Abstract.objects.get(event=event, code="").pk == abstract.pk
    assert Abstract.objects.get(pk=abstract.pk).text == "A new text."


def test_abstracts_missing_from_the_file_are_left_untouched_and_counted(tmp_path):
    event = import_demo_event()
    late = make_abstract(event, code="PS-99", title="A late submission", status=Abstract.Status.SUBMITTED)
    data = demo_data()
    dropped = data["abstracts"].pop(45)
    assert dropped["code"] == "PS-46"
    kept = Abstract.objects.get(event=event, code="PS-46")
    kept_authors = list(kept.authorships.values_list("person__last_name", "position"))
    kept_keywords = list(kept.keyword_links.values_list("keyword__label", "position"))

    output = run_command(write(tmp_path, data))

    assert output.strip() == (
        f"Updated event {DEMO_SLUG!r}: 0 abstracts created, 45 updated, "
        "2 not in the file left as they were; 0 people created."
    )
    assert event.abstracts.count() == 47
    kept.refresh_from_db()
    assert kept.title == dropped["title"]
    assert list(kept.authorships.values_list("person__last_name", "position")) == kept_authors
    assert len(kept_authors) == len(dropped["authors"])
    assert list(kept.keyword_links.values_list("keyword__label", "position")) == kept_keywords
    late.refresh_from_db()
    assert (late.title, late.status) == ("A late submission", Abstract.Status.SUBMITTED)


def test_importing_with_another_slug_creates_a_separate_event(tmp_path):
    event = import_demo_event()
    first = counts()

    output = run_command(DEMO_FILE, "--slug", "other-slug")

    assert output.strip() == (
        "Created event 'other-slug': 46 abstracts created, 0 updated, "
        f"0 not in the file left as they were; {first['Person']} people created."
    )
    other = Event.objects.get(slug="other-slug")
    assert other.pk != event.pk
    assert sorted(Event.objects.values_list("slug", flat=True)) == sorted([DEMO_SLUG, "other-slug"])
    assert other.abstracts.count() == event.abstracts.count() == 46
    assert other.people.count() == event.people.count() == first["Person"]
    assert Authorship.objects.filter(abstract__event=other).count() == 183
    assert not Authorship.objects.filter(abstract__event=other, person__event=event).exists()
    assert counts()["Affiliation"] == 2 * first["Affiliation"]
    assert counts()["Keyword"] == 2 * first["Keyword"]
    assert other.is_published is False
    event.refresh_from_db()
    assert event.is_published is True


def test_each_missing_required_field_is_reported_once(tmp_path):
    path = tmp_path / "bare.json"
    path.write_text('{"event": {}}', encoding="utf-8")

    with pytest.raises(CommandError) as error:
        call_command("import_event", str(path))

    lines = [line.strip() for line in str(error.value).splitlines()[1:]]
    assert sorted(lines) == [
        "abstracts: is required",
        "event.name: is required",
        "event.start_date: is required",
        "sessions: is required",
    ]
    assert str(error.value).startswith(f"{path}: 4 problems, nothing was imported:")
