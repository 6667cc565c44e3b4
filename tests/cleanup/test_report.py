"""The likely-duplicates report: finds the issue's examples, suggests the most used record, and
leaves clearly different records alone."""

import pytest

from abstracts.models import AbstractKeyword, Affiliation, Keyword
from cleanup.selectors import (
    duplicate_affiliations,
    duplicate_keywords,
    duplicate_people,
    duplicate_titles,
    records_matching,
)
from tests.factories import make_abstract, make_event, make_person

pytestmark = pytest.mark.django_db


def labels(groups) -> list[list[str]]:
    """Each group as its labels, the suggested record first."""
    return [[candidate.label for candidate in group.candidates] for group in groups]


def used(event, person, times: int = 1) -> None:
    for _ in range(times):
        make_abstract(event, authors=[(person, [])])


@pytest.fixture
def event():
    return make_event()


def test_people_written_two_ways_are_grouped_with_the_most_used_suggested(event):
    john = make_person(event, first_name="John", last_name="Smith")
    initial = make_person(event, first_name="J.", last_name="Smith")
    used(event, john, 2)
    used(event, initial, 3)
    accented = make_person(event, first_name="Jörg", last_name="Müller-Lüdenscheidt")
    plain = make_person(event, first_name="Jorg", last_name="Muller Ludenscheidt")
    typo = make_person(event, first_name="Anna", last_name="Kowalczyk")
    typo_too = make_person(event, first_name="A.", last_name="Kowalcyzk")
    for person in (accented, plain, typo, typo_too):
        used(event, person)

    groups = duplicate_people(event)

    assert sorted(labels(groups)) == [
        ["Anna Kowalczyk", "A. Kowalcyzk"],
        ["J. Smith", "John Smith"],
        ["Jörg Müller-Lüdenscheidt", "Jorg Muller Ludenscheidt"],
    ]
    smiths = next(group for group in groups if group.suggested.label == "J. Smith")
    assert [candidate.uses for candidate in smiths.candidates] == [3, 2]
    assert smiths.reasons == ("initials or a shorter first name that fit the other",)


def test_an_initial_joins_one_person_never_two_different_ones(event):
    john = make_person(event, first_name="John", last_name="Smith")
    jane = make_person(event, first_name="Jane", last_name="Smith")
    initial = make_person(event, first_name="J.", last_name="Smith")
    used(event, john, 3)
    used(event, jane)
    used(event, initial)

    assert labels(duplicate_people(event)) == [["John Smith", "J. Smith"]]


def test_clearly_different_people_are_not_flagged(event):
    for first, last in [
        ("John", "Smith"),
        ("Jane", "Smith"),
        ("John", "Smithson"),
        ("Anna", "Schmidt"),
        ("Anna", "Schmitz"),
        ("Wei", "Li"),
        ("Wei", "Lu"),
        ("Maria", "García"),
        ("Pedro", "Garcia"),
        ("Karel", "Novak"),
        ("Tomas", "Novaka"),
    ]:
        make_person(event, first_name=first, last_name=last)

    assert duplicate_people(event) == []


def test_people_with_different_orcids_are_never_suggested(event):
    make_person(event, first_name="Li", last_name="Wang", orcid="0000-0002-1825-0097")
    make_person(event, first_name="Li", last_name="Wang", orcid="0000-0001-5109-3700")
    make_person(event, first_name="L.", last_name="Wang")

    (group,) = duplicate_people(event)
    assert len(group.candidates) == 2 and "L. Wang" in [c.label for c in group.candidates]


def test_affiliations_folded_abbreviated_misspelled_or_by_initials_are_grouped(event):
    names = [
        "Helmholtz Zentrum München",
        "HZM",
        "Helmholtz Zentrum Munchen",
        "Univ. of Bonn",
        "University of Bonn",
        "Bonn University",
        "Forschungszentrum Jülich",
        "Forschungszentrum Juelich",
        "Deutsches Zentrum für Neurodegenerative Erkrankungen (DZNE)",
        "DZNE",
    ]
    affiliation = {name: Affiliation.objects.create(event=event, name=name) for name in names}
    person = make_person(event)
    make_abstract(event, authors=[(person, [affiliation["HZM"], affiliation["Univ. of Bonn"]])])
    make_abstract(event, authors=[(person, [affiliation["HZM"], affiliation["Forschungszentrum Jülich"]])])

    found = {frozenset(group) for group in labels(duplicate_affiliations(event))}
    assert found == {
        frozenset(["HZM", "Helmholtz Zentrum München", "Helmholtz Zentrum Munchen"]),
        frozenset(["Univ. of Bonn", "University of Bonn", "Bonn University"]),
        frozenset(["Forschungszentrum Jülich", "Forschungszentrum Juelich"]),
        frozenset(["Deutsches Zentrum für Neurodegenerative Erkrankungen (DZNE)", "DZNE"]),
    }
    hzm = next(
        group for group in duplicate_affiliations(event) if "HZM" in [c.label for c in group.candidates]
    )
    assert hzm.suggested.label == "HZM", "the most used one"


def test_clearly_different_affiliations_are_not_flagged(event):
    for name in [
        "University of Bonn",
        "University of Bern",
        "Max Planck Institute for Chemistry",
        "Max Planck Institute for Biochemistry",
        "Université Paris 6",
        "Université Paris 7",
        "Technical University of Munich",
        "Technical University of Berlin",
        "Institute of Physics",
        "Institute of Chemistry",
        "DKFZ",
        "HMGU",
        "Helmholtz Zentrum München",
        "Deutsches Krebsforschungszentrum",
        "Forschungszentrum Jülich, Institute of Neuroscience and Medicine (INM-1), Jülich, Germany",
        "Forschungszentrum Jülich, Institute of Neuroscience and Medicine (INM-7: Brain and Behaviour)",
        "German Aerospace Center (DLR), Institute of Robotics and Mechatronics, Weßling, Germany",
        "German Aerospace Center (DLR), Institute for Software Technology, Köln, Germany",
        "DLR",
    ]:
        Affiliation.objects.create(event=event, name=name)

    # Acronyms that are not the initials of the name ("DKFZ", "HMGU") are left to a merge by hand;
    # an acronym in brackets for a part of a name ("DLR") does not make two institutes the same.
    assert duplicate_affiliations(event) == []


def test_keywords_differing_in_case_hyphens_plurals_or_written_as_initials_are_grouped(event):
    make_abstract(event, keywords=["Deep learning", "Machine learning"])
    make_abstract(event, keywords=["Deep learning"])
    make_abstract(event, keywords=["DL", "Neural networks"])
    make_abstract(event, keywords=["Deep-Learning", "Neural network", "ML"])
    make_abstract(event, keywords=["Imaging", "Genomics", "Segmentation", "DNA"])
    # "Deep Learning" is the same keyword record as "Deep learning"; the abstract's spelling shows.
    link = AbstractKeyword.objects.filter(keyword__label="Deep learning").first()
    link.spelling = "Deep Learning"
    link.save()

    groups = duplicate_keywords(event)

    assert {frozenset(group) for group in labels(groups)} == {
        frozenset(["Deep learning", "DL", "Deep-Learning"]),
        frozenset(["Neural networks", "Neural network"]),
        frozenset(["Machine learning", "ML"]),
    }
    deep = next(group for group in groups if "DL" in [c.label for c in group.candidates])
    assert deep.suggested.label == "Deep learning"
    assert deep.suggested.details == ("also written Deep Learning",)
    assert Keyword.objects.filter(event=event).count() == 11


def test_near_duplicate_titles_are_reported_and_numbered_or_different_ones_are_not(event):
    pairs = [
        "Deep learning for cell segmentation in light-sheet microscopy images",
        "Deep learning for nucleus segmentation in light-sheet microscopy images",
        "Uncertainty in <i>Arabidopsis</i> root growth models",
        "Uncertainty in Arabidopsis root growth models",
    ]
    different = [
        "Imaging study 1",
        "Imaging study 3",
        "Graph neural networks for protein structure",
        "Graph neural networks for weather forecasting",
        "Part 1: the climate of the Alps",
        "Part 2: the climate of the Alps",
    ]
    abstracts = {title: make_abstract(event, title=title) for title in pairs + different}

    groups = duplicate_titles(event)

    assert [[entry.title for entry in group.abstracts] for group in groups] == [
        pairs[:2],
        pairs[2:],
    ]
    assert groups[0].reasons == ("nearly the same title",)
    assert groups[1].reasons == ("the same title",)
    assert groups[0].abstracts[0].pk == abstracts[pairs[0]].pk


def test_the_manual_search_lists_records_with_any_of_the_words(event):
    for name in ["HMGU", "Helmholtz Zentrum München", "University of Bonn"]:
        Affiliation.objects.create(event=event, name=name)
    Affiliation.objects.create(event=make_event(), name="Helmholtz Zentrum München")

    found = records_matching(event, "affiliation", "hmgu Helmholtz")

    assert sorted(candidate.label for candidate in found) == ["HMGU", "Helmholtz Zentrum München"]
    assert records_matching(event, "affiliation", "   ") == []
    assert records_matching(event, "nonsense", "bonn") == []
