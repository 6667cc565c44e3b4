"""The exchange format round trip: export(import(x)) == x up to the documented normalisations."""

import copy
import json

import pytest
from django.core.management import call_command

from abstracts.exchange import export_event, import_event
from abstracts.models import Abstract, Authorship, Person
from abstracts.text import text_key
from tests.factories import demo_data, import_demo_event


def normalised(data: dict, slug: str) -> dict:
    """The documented normalisations of docs/exchange-format.md, applied to an input file."""
    data = copy.deepcopy(data)
    data["event"]["slug"] = slug
    for name in ("short_name", "venue"):
        if not data["event"].get(name):
            data["event"].pop(name, None)

    def identity(author):
        return (
            author.get("orcid")
            or (author.get("email") or "").lower()
            or text_key(f"{author['first_name']} {author['last_name']}")
        )

    first_title: dict[str, str] = {}
    keyword_label: dict[str, str] = {}
    for abstract in data["abstracts"]:
        for author in abstract["authors"]:
            if author.get("title") and identity(author) not in first_title:
                first_title[identity(author)] = author["title"]
        for label in abstract["keywords"]:
            keyword_label.setdefault(text_key(label), label)

    for abstract in data["abstracts"]:
        abstract.setdefault("code", None)
        abstract.setdefault("session", None)
        abstract.setdefault("status", "accepted")
        if not abstract.get("note"):
            abstract.pop("note", None)

        # One entry per distinct affiliation text, numbered by first appearance along the authors.
        name_of = {entry["index"]: entry["name"] for entry in abstract["affiliations"]}
        numbered: list[str] = []
        for author in abstract["authors"]:
            numbers = []
            for index in author["affiliations"]:
                keys = [text_key(name) for name in numbered]
                if text_key(name_of[index]) not in keys:
                    numbered.append(name_of[index])
                    keys.append(text_key(name_of[index]))
                number = keys.index(text_key(name_of[index])) + 1
                if number not in numbers:
                    numbers.append(number)
            author["affiliations"] = numbers
        for index in sorted(name_of):
            if text_key(name_of[index]) not in [text_key(name) for name in numbered]:
                numbered.append(name_of[index])
        abstract["affiliations"] = [{"index": n, "name": name} for n, name in enumerate(numbered, 1)]

        for author in abstract["authors"]:
            author.setdefault("presenting", False)
            title = first_title.get(identity(author), "")
            author.pop("title", None)
            if title:
                author["title"] = title
            for name in ("email", "orcid"):
                if not author.get(name):
                    author.pop(name, None)

        labels: list[str] = []
        for label in abstract["keywords"]:
            if text_key(label) not in [text_key(seen) for seen in labels]:
                labels.append(keyword_label[text_key(label)])
        abstract["keywords"] = labels
    data["sessions"].sort(key=lambda session: (session["order"], session["title"]))
    # Abstracts come out in book order: by "order", those without one last (then by code).
    data["abstracts"].sort(key=lambda a: (a.get("order") is None, a.get("order") or 0))
    return data


def canonical(data: dict) -> str:
    """Key order is not part of the format; compare the JSON with sorted keys."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1)


@pytest.mark.django_db
def test_importing_the_sample_book_gives_46_abstracts_and_183_authorships():
    event = import_demo_event()

    assert event.abstracts.count() == 46
    assert Authorship.objects.filter(abstract__event=event).count() == 183
    assert list(event.abstracts.order_by("order").values_list("code", flat=True)[:3]) == [
        "PS-01",
        "PS-02",
        "PS-03",
    ]
    assert event.abstracts.filter(status=Abstract.Status.ACCEPTED).count() == 46


@pytest.mark.django_db
def test_export_reproduces_the_sample_book_up_to_the_documented_normalisations():
    source = demo_data()
    event = import_demo_event()

    exported = export_event(event)

    assert canonical(exported) == canonical(normalised(source, event.slug))


@pytest.mark.django_db
def test_the_normalisations_the_sample_needs_are_the_ones_documented():
    """Guards the normaliser itself: the sample really exercises each normalisation."""
    source = demo_data()
    event = import_demo_event()
    exported = {a["code"]: a for a in export_event(event)["abstracts"]}
    original = {a["code"]: a for a in source["abstracts"]}

    # PS-07 numbers its affiliations 1, 3, 2, 4 along the authors; the export renumbers them.
    assert [a["affiliations"] for a in original["PS-07"]["authors"]] == [[1, 3], [2], [4], [3], [1]]
    assert [a["affiliations"] for a in exported["PS-07"]["authors"]] == [[1, 2], [3], [4], [2], [1]]
    assert exported["PS-07"]["affiliations"][1]["name"].startswith("National University of Singapore")
    # PS-21 lists an affiliation no author carries: kept, numbered last.
    assert exported["PS-21"]["affiliations"][-1] == {
        "index": 3,
        "name": "German Center for Diabetes Research, Neuherberg, Germany",
    }
    # PS-38 lists the same affiliation five times: listed once.
    assert len(original["PS-38"]["affiliations"]) == 5
    assert len(exported["PS-38"]["affiliations"]) == 1
    # PS-30 and PS-31 have authors with no affiliations at all.
    assert all(author["affiliations"] == [] for author in exported["PS-30"]["authors"])
    assert exported["PS-30"]["affiliations"] == []
    # One title per person: Fabian Theis is "Prof." in PS-22 although the file leaves it empty there.
    theis = next(a for a in original["PS-22"]["authors"] if a["last_name"] == "Theis")
    assert theis["title"] == ""
    assert next(a for a in exported["PS-22"]["authors"] if a["last_name"] == "Theis")["title"] == "Prof."
    assert exported["PS-06"]["note"] == "On behalf of the Helmholtz Analytics Framework (HAF)"


@pytest.mark.django_db
def test_export_is_a_fixed_point_of_import():
    event = import_demo_event()
    first = export_event(event)

    again = import_event(first, slug="second-copy").event
    second = export_event(again)

    first["event"]["slug"] = "second-copy"
    assert canonical(second) == canonical(first)


@pytest.mark.django_db
def test_keywords_are_a_case_insensitive_set_within_an_abstract_and_keep_their_first_label():
    data = demo_data()
    data["abstracts"][0]["keywords"] = ["Deep Learning", "deep learning", "Climate", "DEEP LEARNING"]
    data["abstracts"][1]["keywords"] = ["deep learning", "Brain"]

    event = import_event(data).event
    exported = {a["code"]: a for a in export_event(event)["abstracts"]}

    assert exported["PS-01"]["keywords"] == ["Deep Learning", "Climate"]
    assert exported["PS-02"]["keywords"] == ["Deep Learning", "Brain"]


@pytest.mark.django_db
def test_sessions_statuses_presenting_authors_and_identifiers_survive_the_round_trip():
    data = demo_data()
    data["sessions"] = [{"title": "Biomedicine", "order": 2}, {"title": "Earth and Environment", "order": 1}]
    data["abstracts"][0]["session"] = "Earth and Environment"
    data["abstracts"][1]["session"] = "Biomedicine"
    data["abstracts"][1]["status"] = "withdrawn"
    data["abstracts"][2]["authors"][0]["presenting"] = True
    data["abstracts"][3]["authors"][0].update(email="c.schiffer@example.org", orcid="0000-0002-1825-0097")
    data["abstracts"][4]["code"] = None
    del data["abstracts"][5]["order"]

    event = import_event(data).event
    exported = export_event(event)

    assert exported["sessions"] == [
        {"title": "Earth and Environment", "order": 1},
        {"title": "Biomedicine", "order": 2},
    ]
    assert canonical(exported) == canonical(normalised(data, event.slug))
    assert Person.objects.get(event=event, orcid="0000-0002-1825-0097").email == "c.schiffer@example.org"


@pytest.mark.django_db
def test_the_commands_export_to_a_file_that_imports_into_an_identical_event(tmp_path, capsys):
    import_demo_event()
    first = tmp_path / "first.json"
    second = tmp_path / "second.json"

    call_command("export_event", "helmholtz-ai-kick-off-2020", "-o", str(first))
    call_command("import_event", str(first), "--slug", "copy")
    call_command("export_event", "copy", "-o", str(second))

    one, two = json.loads(first.read_text()), json.loads(second.read_text())
    one["event"]["slug"] = "copy"
    assert canonical(one) == canonical(two)
    assert "46 abstracts created" in capsys.readouterr().out


@pytest.mark.django_db
def test_export_leaves_out_drafts_which_the_format_cannot_express():
    event = import_demo_event()
    Abstract.objects.filter(event=event, code="PS-05").update(status=Abstract.Status.DRAFT)

    codes = [a["code"] for a in export_event(event)["abstracts"]]

    assert len(codes) == 45
    assert "PS-05" not in codes
