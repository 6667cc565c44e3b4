"""The author and keyword indexes: collation order, letter headings, who is one person, what is counted."""

import pytest
from django.db import IntegrityError, transaction

from abstracts.exchange import import_event
from abstracts.models import Abstract, AbstractKeyword, Keyword, Person
from indexes.collation import collation_key, letter_heading
from indexes.models import AuthorIndexEntry, KeywordIndexEntry
from indexes.selectors import author_index, keyword_index
from indexes.services import author_index_entries, index_rebuild, keyword_index_entries
from tests.factories import make_abstract, make_event, make_person

ORCID_A = "0000-0002-1825-0097"
ORCID_B = "0000-0001-5109-3700"

# The sample book's awkward names, plus neighbours that pin each one down, in sorted order.
SORTED_SAMPLE_NAMES = [
    ("Amunts", "Katrin"),
    ("Bačák", "Miroslav"),
    ("Bach", "Johann"),
    ("Čermák", "Jan"),
    ("Cerny", "Petr"),
    ("Gorski", "Anna"),
    ("Götz", "Markus"),
    ("Hrabal", "Bohumil"),
    ("Hrabě de Angelis", "Martin"),
    ("Mueller", "Anna"),
    ("Muller", "Anna"),
    ("Müller", "Anna"),
    ("Ückert", "Frank"),
    ("Upschulte", "Eric"),
    ("van der Weg", "Karel J"),
    ("Vogel", "Anna"),
    ("Weigel", "Tobias"),
    ("Zorita", "Eduardo"),
    ("zu Castell", "Wolfgang"),
]


def labels(entries) -> list[str]:
    return [entry.label for entry in entries]


def codes(entry) -> list[str]:
    return [ref["code"] for ref in entry.abstracts]


def entry_labelled(entries, label: str):
    (entry,) = [entry for entry in entries if entry.label == label]
    return entry


def event_with_sample_names():
    """One accepted abstract per person, created in an order unrelated to the sorted one."""
    event = make_event(is_published=True)
    scrambled = SORTED_SAMPLE_NAMES[1::2] + SORTED_SAMPLE_NAMES[::-2]
    assert sorted(scrambled) == sorted(SORTED_SAMPLE_NAMES)
    for n, (surname, given) in enumerate(scrambled, 1):
        make_abstract(
            event, code=f"PS{n}", authors=[(make_person(event, last_name=surname, first_name=given), [])]
        )
    return event


def exchange_file(*abstracts: dict) -> dict:
    return {
        "event": {"name": "Index meeting", "slug": "index-meeting", "start_date": "2026-03-05"},
        "sessions": [],
        "abstracts": list(abstracts),
    }


def exchange_abstract(code: str, *authors: dict) -> dict:
    return {
        "code": code,
        "title": f"Abstract {code}",
        "text": "Some text.",
        "authors": [{"affiliations": [], **author} for author in authors],
        "affiliations": [],
        "keywords": [],
    }


def add_keyword(abstract: Abstract, keyword: Keyword, spelling: str, position: int = 1) -> None:
    AbstractKeyword.objects.create(abstract=abstract, keyword=keyword, position=position, spelling=spelling)


# The collation helpers on their own


def test_accented_letters_sort_with_their_base_letter():
    assert collation_key("Bačák") < collation_key("Bach")  # "bacak" < "bach"
    assert collation_key("Gorski") < collation_key("Götz") < collation_key("Gut")
    assert collation_key("Hrabal") < collation_key("Hrabě") < collation_key("Hrabf")
    assert (
        collation_key("Mueller")
        < collation_key("Muller")
        < collation_key("Müller")
        < collation_key("Mullers")
    )
    assert collation_key("Čermák") < collation_key("Cerny") < collation_key("Chu")


def test_case_only_breaks_ties():
    assert collation_key("van der Weg") < collation_key("Vogel")
    assert collation_key("zu Castell") > collation_key("Zorita")
    assert collation_key("deep learning") < collation_key("Deep learning")


def test_the_letter_heading_is_the_base_letter_of_the_first_character():
    headings = {
        name: letter_heading(name)
        for name in [
            "Ückert",
            "Čermák",
            "Götz",
            "Bačák",
            "van der Weg",
            "zu Castell",
            "Hrabě de Angelis",
            "  ökologie",
            "3D imaging",
            "",
        ]
    }

    assert headings == {
        "Ückert": "U",
        "Čermák": "C",
        "Götz": "G",
        "Bačák": "B",
        "van der Weg": "V",
        "zu Castell": "Z",
        "Hrabě de Angelis": "H",
        "  ökologie": "O",
        "3D imaging": "#",
        "": "#",
    }


# The author index of the sample names


@pytest.mark.django_db
def test_author_index_sorts_the_sample_names_by_the_unicode_collation_algorithm():
    event = event_with_sample_names()

    entries = author_index_entries(event.pk)

    assert labels(entries) == [f"{surname} {given}" for surname, given in SORTED_SAMPLE_NAMES]
    assert [entry.position for entry in entries] == list(range(1, len(SORTED_SAMPLE_NAMES) + 1))


@pytest.mark.django_db
def test_author_index_heads_each_sample_name_under_the_base_letter_of_its_printed_surname():
    event = event_with_sample_names()

    build = index_rebuild(event_id=event.pk, force=True)

    assert build.built is True
    assert build.authors == len(SORTED_SAMPLE_NAMES)
    rows = AuthorIndexEntry.objects.filter(event=event).order_by("position")
    assert [(row.letter, row.label) for row in rows] == [
        ("A", "Amunts Katrin"),
        ("B", "Bačák Miroslav"),
        ("B", "Bach Johann"),
        ("C", "Čermák Jan"),
        ("C", "Cerny Petr"),
        ("G", "Gorski Anna"),
        ("G", "Götz Markus"),
        ("H", "Hrabal Bohumil"),
        ("H", "Hrabě de Angelis Martin"),
        ("M", "Mueller Anna"),
        ("M", "Muller Anna"),
        ("M", "Müller Anna"),
        ("U", "Ückert Frank"),
        ("U", "Upschulte Eric"),
        ("V", "van der Weg Karel J"),
        ("V", "Vogel Anna"),
        ("W", "Weigel Tobias"),
        ("Z", "Zorita Eduardo"),
        ("Z", "zu Castell Wolfgang"),
    ]
    groups = author_index(event)
    assert [group.letter for group in groups] == ["A", "B", "C", "G", "H", "M", "U", "V", "W", "Z"]
    assert labels(groups[-1].entries) == ["Zorita Eduardo", "zu Castell Wolfgang"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "names",
    [
        pytest.param(["Olsen Ole", "Østergaard Per", "Otto Nils"], id="o-with-stroke"),
        pytest.param(["Lang Daniel", "Łukasiewicz Jan", "Lutz Eva"], id="l-with-stroke"),
        pytest.param(["Dietrich Ina", "Đorđević Ana", "Dzierzon Jan"], id="d-with-stroke"),
        pytest.param(["Aachen Ute", "Æbelø Kai", "Amunts Katrin"], id="ae-ligature"),
        pytest.param(["Hart Anna", "'t Hart Bram", "Tarnawa Michael"], id="leading-apostrophe"),
    ],
)
def test_each_letter_heading_is_one_unbroken_section(names):
    event = make_event(is_published=True)
    for name in names:
        surname, given = name.rsplit(" ", 1)
        make_abstract(event, authors=[(make_person(event, last_name=surname, first_name=given), [])])
    index_rebuild(event_id=event.pk, force=True)

    letters = [group.letter for group in author_index(event)]

    assert len(letters) == len(set(letters)), letters


# Who is one person


@pytest.mark.django_db
def test_an_orcid_written_with_two_spellings_of_the_name_is_one_entry_listing_both_abstracts():
    report = import_event(
        exchange_file(
            exchange_abstract("PS10", {"first_name": "Jörg", "last_name": "Müller", "orcid": ORCID_A}),
            exchange_abstract("PS2", {"first_name": "Joerg", "last_name": "Mueller", "orcid": ORCID_A}),
        )
    )
    event = report.event

    entries = author_index_entries(event.pk)

    assert labels(entries) == ["Müller Jörg"]
    assert codes(entries[0]) == ["PS2", "PS10"]
    # One event cannot hold two Person rows with one ORCID: the import merges them.
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(event=event, first_name="J.", last_name="Mueller", orcid=ORCID_A)


@pytest.mark.django_db
def test_one_email_in_two_cases_is_one_entry():
    report = import_event(
        exchange_file(
            exchange_abstract(
                "PS1", {"first_name": "Eva", "last_name": "Lutz", "email": "e.lutz@example.org"}
            ),
            exchange_abstract(
                "PS2", {"first_name": "E.", "last_name": "Lutz", "email": "E.Lutz@Example.ORG"}
            ),
        )
    )

    entries = author_index_entries(report.event.pk)

    assert labels(entries) == ["Lutz Eva"]
    assert codes(entries[0]) == ["PS1", "PS2"]


@pytest.mark.django_db
def test_two_person_rows_with_the_same_name_and_no_identifiers_are_one_entry():
    event = make_event()
    first = make_person(event, first_name="Anna", last_name="Schmidt")
    second = make_person(event, first_name="Anna", last_name="Schmidt")
    third = make_person(event, first_name="ANNA ", last_name=" schmidt")
    make_abstract(event, code="PS1", authors=[(first, [])])
    make_abstract(event, code="PS2", authors=[(second, [])])
    make_abstract(event, code="PS3", authors=[(third, [])])

    entries = author_index_entries(event.pk)

    assert len(entries) == 1
    assert entries[0].label == "Schmidt Anna"
    assert codes(entries[0]) == ["PS1", "PS2", "PS3"]
    assert entries[0].person_ids == sorted([first.pk, second.pk, third.pk])


@pytest.mark.django_db
def test_a_name_only_person_joins_the_single_identified_person_of_that_name():
    event = make_event()
    identified = make_person(event, first_name="Anna", last_name="Schmidt", orcid=ORCID_A)
    name_only = make_person(event, first_name="Anna", last_name="Schmidt")
    make_abstract(event, code="PS2", authors=[(name_only, [])])
    make_abstract(event, code="PS1", authors=[(identified, [])])

    entries = author_index_entries(event.pk)

    assert labels(entries) == ["Schmidt Anna"]
    assert codes(entries[0]) == ["PS1", "PS2"]
    assert entries[0].person_ids == sorted([identified.pk, name_only.pk])


@pytest.mark.django_db
def test_people_with_the_same_name_but_different_orcids_are_two_entries():
    event = make_event()
    one = make_person(event, first_name="Anna", last_name="Schmidt", orcid=ORCID_A)
    other = make_person(event, first_name="Anna", last_name="Schmidt", orcid=ORCID_B)
    make_abstract(event, code="PS1", authors=[(one, [])])
    make_abstract(event, code="PS2", authors=[(other, [])])

    entries = author_index_entries(event.pk)

    assert [(entry.label, codes(entry), entry.person_ids) for entry in entries] == sorted(
        [("Schmidt Anna", ["PS1"], [one.pk]), ("Schmidt Anna", ["PS2"], [other.pk])],
        key=lambda entry: entry[2],
    )


@pytest.mark.django_db
def test_a_name_only_person_stays_apart_when_two_identified_people_share_the_name():
    event = make_event()
    by_orcid = make_person(event, first_name="Anna", last_name="Schmidt", orcid=ORCID_A)
    by_email = make_person(event, first_name="Anna", last_name="Schmidt", email="anna@example.org")
    name_only = make_person(event, first_name="Anna", last_name="Schmidt")
    make_abstract(event, code="PS1", authors=[(by_orcid, [])])
    make_abstract(event, code="PS2", authors=[(by_email, [])])
    make_abstract(event, code="PS3", authors=[(name_only, [])])

    entries = author_index_entries(event.pk)

    assert sorted((entry.person_ids, codes(entry)) for entry in entries) == sorted(
        [([by_orcid.pk], ["PS1"]), ([by_email.pk], ["PS2"]), ([name_only.pk], ["PS3"])]
    )


# What is counted


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["draft", "submitted", "rejected", "withdrawn"])
def test_a_person_only_in_an_abstract_that_is_not_accepted_is_not_in_the_index(status):
    event = make_event()
    accepted_author = make_person(event, first_name="Anna", last_name="Accepted")
    other_author = make_person(event, first_name="Otto", last_name="Outside")
    make_abstract(event, code="PS1", authors=[(accepted_author, [])])
    make_abstract(event, code="PS2", status=status, authors=[(other_author, []), (accepted_author, [])])

    index_rebuild(event_id=event.pk, force=True)

    rows = list(AuthorIndexEntry.objects.filter(event=event))
    assert labels(rows) == ["Accepted Anna"]
    assert codes(rows[0]) == ["PS1"]


@pytest.mark.django_db
def test_the_codes_of_an_entry_are_in_natural_order():
    event = make_event()
    person = make_person(event, first_name="Peter", last_name="Steinbach")
    for code in ["PS10", "", "PS2", "PS-11", "PS1", "PS20"]:
        make_abstract(event, code=code, authors=[(person, [])])

    (entry,) = author_index_entries(event.pk)

    assert codes(entry) == ["PS1", "PS2", "PS10", "PS-11", "PS20", ""]


@pytest.mark.django_db
def test_a_rebuild_replaces_the_previous_entries():
    event = make_event()
    stays = make_person(event, first_name="Anna", last_name="Stays")
    goes = make_person(event, first_name="Otto", last_name="Goes")
    make_abstract(event, code="PS1", authors=[(stays, [])])
    leaving = make_abstract(event, code="PS2", authors=[(goes, [])], keywords=["Leaving"])
    index_rebuild(event_id=event.pk, force=True)
    assert labels(AuthorIndexEntry.objects.filter(event=event)) == ["Goes Otto", "Stays Anna"]

    Abstract.objects.filter(pk=leaving.pk).update(status=Abstract.Status.WITHDRAWN)
    build = index_rebuild(event_id=event.pk, force=True)

    assert (build.authors, build.keywords) == (1, 0)
    assert labels(AuthorIndexEntry.objects.filter(event=event)) == ["Stays Anna"]
    assert list(KeywordIndexEntry.objects.filter(event=event)) == []


# The keyword index


@pytest.mark.django_db
def test_a_keyword_is_labelled_with_its_most_common_spelling():
    event = make_event()
    keyword = Keyword.objects.create(event=event, label="Deep Learning")
    for code, spelling in [("PS1", "Deep learning"), ("PS2", "Deep Learning"), ("PS3", "Deep learning")]:
        add_keyword(make_abstract(event, code=code), keyword, spelling)

    entries = keyword_index_entries(event.pk)

    assert labels(entries) == ["Deep learning"]
    assert entries[0].letter == "D"
    assert entries[0].keyword_id_ref == keyword.pk
    assert codes(entries[0]) == ["PS1", "PS2", "PS3"]


@pytest.mark.django_db
def test_on_a_tie_the_keywords_own_label_wins():
    event = make_event()
    keyword = Keyword.objects.create(event=event, label="Deep Learning")
    add_keyword(make_abstract(event, code="PS1"), keyword, "deep learning")
    add_keyword(make_abstract(event, code="PS2"), keyword, "Deep Learning")

    # "deep learning" would come first in collation order; the keyword's own label wins the tie.
    assert labels(keyword_index_entries(event.pk)) == ["Deep Learning"]


@pytest.mark.django_db
def test_an_abstract_without_a_recorded_spelling_counts_as_the_keywords_own_label():
    event = make_event()
    keyword = Keyword.objects.create(event=event, label="Deep Learning")
    add_keyword(make_abstract(event, code="PS1"), keyword, "deep learning")
    add_keyword(make_abstract(event, code="PS2"), keyword, "")
    add_keyword(make_abstract(event, code="PS3"), keyword, "")

    entries = keyword_index_entries(event.pk)

    assert labels(entries) == ["Deep Learning"]
    assert codes(entries[0]) == ["PS1", "PS2", "PS3"]


@pytest.mark.django_db
def test_only_spellings_in_accepted_abstracts_are_counted():
    event = make_event()
    keyword = Keyword.objects.create(event=event, label="Deep Learning")
    add_keyword(make_abstract(event, code="PS1"), keyword, "DEEP LEARNING")
    for code in ["PS2", "PS3"]:
        add_keyword(
            make_abstract(event, code=code, status=Abstract.Status.REJECTED), keyword, "deep learning"
        )

    entries = keyword_index_entries(event.pk)

    assert labels(entries) == ["DEEP LEARNING"]
    assert codes(entries[0]) == ["PS1"]


@pytest.mark.django_db
def test_keywords_sort_by_collation_with_accented_letters_among_their_base_letters():
    event = make_event()
    for n, label in enumerate(["Physik", "Ökologie", "Netz", "Oberfläche", "neo4j", "3D imaging", "Zoo"], 1):
        make_abstract(event, code=f"PS{n}", keywords=[label])

    index_rebuild(event_id=event.pk, force=True)

    rows = KeywordIndexEntry.objects.filter(event=event).order_by("position")
    assert [(row.letter, row.label) for row in rows] == [
        ("#", "3D imaging"),
        ("N", "neo4j"),
        ("N", "Netz"),
        ("O", "Oberfläche"),
        ("O", "Ökologie"),
        ("P", "Physik"),
        ("Z", "Zoo"),
    ]
    assert [group.letter for group in keyword_index(event)] == ["#", "N", "O", "P", "Z"]


@pytest.mark.django_db
def test_a_keyword_of_a_rejected_abstract_only_is_not_in_the_index():
    event = make_event()
    make_abstract(event, code="PS1", keywords=["Imaging", "Shared"])
    make_abstract(event, code="PS2", keywords=["Rejected only", "Shared"], status=Abstract.Status.REJECTED)

    entries = keyword_index_entries(event.pk)

    assert [(entry.label, codes(entry)) for entry in entries] == [("Imaging", ["PS1"]), ("Shared", ["PS1"])]


# The demo book


@pytest.mark.django_db
def test_the_demo_indexes_hold_158_people_and_199_keywords(demo_event):
    build = index_rebuild(event_id=demo_event.pk, force=True)

    assert (build.built, build.authors, build.keywords, build.behind) == (True, 158, 199, False)
    assert AuthorIndexEntry.objects.filter(event=demo_event).count() == 158
    assert KeywordIndexEntry.objects.filter(event=demo_event).count() == 199
    assert [group.letter for group in author_index(demo_event)] == list("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


@pytest.mark.django_db
def test_the_demo_author_index_prints_the_sample_books_awkward_names(demo_event):
    index_rebuild(event_id=demo_event.pk, force=True)
    rows = list(AuthorIndexEntry.objects.filter(event=demo_event).order_by("position"))

    def summary(label):
        entry = entry_labelled(rows, label)
        return entry.position, entry.letter, codes(entry)

    assert summary("Amunts Katrin") == (1, "A", ["PS-04", "PS-18", "PS-32"])
    assert summary("Bačák Miroslav") == (3, "B", ["PS-42"])
    assert summary("Götz Markus") == (37, "G", ["PS-06"])
    assert summary("Hrabě de Angelis Martin") == (55, "H", ["PS-21"])
    assert summary("Theis Fabian") == (133, "T", ["PS-22", "PS-39", "PS-40", "PS-46"])
    assert summary("Ückert Frank") == (138, "U", ["PS-30"])
    assert summary("van Ess Leon") == (141, "V", ["PS-35"])
    assert summary("zu Castell Wolfgang") == (158, "Z", ["PS-31", "PS-38"])
    assert labels(rows[35:41]) == [
        "Görzig Heike",
        "Götz Markus",
        "Graßhoff Martin",
        "Greenberg David",
        "Grevtsov Kirill",
        "Gülzow Volker",
    ]
    assert labels(rows[139:142]) == ["Valizadeh Mahyar", "van Ess Leon", "van Lanen Edward"]
    assert labels(rows[-3:]) == ["Zidan Youssef", "Zorita Eduardo", "zu Castell Wolfgang"]


@pytest.mark.django_db
def test_the_demo_keyword_index_merges_every_use_of_a_keyword(demo_event):
    index_rebuild(event_id=demo_event.pk, force=True)
    rows = list(KeywordIndexEntry.objects.filter(event=demo_event).order_by("position"))

    deep_learning = entry_labelled(rows, "Deep Learning")
    assert (deep_learning.letter, codes(deep_learning)) == (
        "D",
        [
            "PS-04",
            "PS-14",
            "PS-15",
            "PS-18",
            "PS-32",
            "PS-34",
            "PS-36",
            "PS-38",
            "PS-42",
            "PS-43",
            "PS-44",
            "PS-46",
        ],
    )
    assert labels(rows[53:55]) == ["Deep Learning", "deepFPlearn"]
    assert codes(entry_labelled(rows, "Mouse")) == ["PS-21"]
    assert labels(rows[:3]) == ["Active Learning", "Adversarial Network", "AI"]
    assert labels(rows[-1:]) == ["YIG"]
