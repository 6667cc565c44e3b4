"""The database itself keeps the data whole: rows written past Python validation are refused.

Rows are written with ``objects.create``, ``bulk_create`` or ``update()``, which run no
``full_clean()``, so it is the constraint in the database that refuses them. Each refusal
is checked to come from the named constraint, not from some other failure.
"""

from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import CheckConstraint, RestrictedError, UniqueConstraint

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
from abstracts.validators import validate_orcid
from conference.models import Event, Session
from tests.factories import make_abstract, make_event, make_person, make_session

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def _find_constraint(name: str):
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if constraint.name == name:
                return model, constraint
    raise AssertionError(f"no constraint named {name!r} in the models")


def _expected_message(name: str) -> str:
    """The part of the database's error message that names the constraint ``name``."""
    model, constraint = _find_constraint(name)
    if connection.vendor == "postgresql":
        return f'"{name}"'
    if isinstance(constraint, CheckConstraint):
        return f"CHECK constraint failed: {name}"
    assert isinstance(constraint, UniqueConstraint)
    if constraint.expressions:
        return f"UNIQUE constraint failed: index '{name}'"
    table = model._meta.db_table
    columns = ", ".join(f"{table}.{model._meta.get_field(field).column}" for field in constraint.fields)
    return f"UNIQUE constraint failed: {columns}"


@contextmanager
def refused_by(name: str):
    """The block must fail with an IntegrityError raised by the database constraint ``name``."""
    expected = _expected_message(name)
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    assert expected in str(excinfo.value)


# Abstracts


def test_two_abstracts_of_one_event_cannot_share_a_code():
    event = make_event()
    Abstract.objects.create(event=event, code="PS-01", title="First", text="Text.")

    with refused_by("abstract_code_unique_per_event"):
        Abstract.objects.create(event=event, code="PS-01", title="Second", text="Text.")

    assert list(event.abstracts.values_list("title", flat=True)) == ["First"]


def test_the_same_code_in_two_different_events_is_fine():
    first, second = make_event(), make_event()

    Abstract.objects.create(event=first, code="PS-01", title="First", text="Text.")
    Abstract.objects.create(event=second, code="PS-01", title="Second", text="Text.")

    assert Abstract.objects.filter(code="PS-01").count() == 2


def test_several_abstracts_without_a_code_are_fine():
    event = make_event()

    Abstract.objects.bulk_create(
        [Abstract(event=event, code="", title=f"Untitled {n}", text="Text.") for n in range(3)]
    )

    assert event.abstracts.filter(code="").count() == 3


def test_a_code_with_surrounding_spaces_is_refused():
    event = make_event()

    with refused_by("abstract_code_trimmed"):
        Abstract.objects.create(event=event, code=" PS-01", title="Spaced", text="Text.")


def test_an_unknown_abstract_status_is_refused_on_create():
    event = make_event()

    with refused_by("abstract_status_valid"):
        Abstract.objects.create(event=event, title="Bogus", text="Text.", status="bogus")

    assert not Abstract.objects.exists()


def test_an_unknown_abstract_status_is_refused_on_update():
    abstract = make_abstract(make_event())

    with refused_by("abstract_status_valid"):
        Abstract.objects.filter(pk=abstract.pk).update(status="bogus")

    abstract.refresh_from_db()
    assert abstract.status == Abstract.Status.ACCEPTED


def test_every_known_abstract_status_is_accepted():
    event = make_event()

    for status in Abstract.Status.values:
        Abstract.objects.create(event=event, title=f"A {status} abstract", text="Text.", status=status)

    assert sorted(event.abstracts.values_list("status", flat=True)) == sorted(Abstract.Status.values)


def test_an_abstract_at_position_zero_is_refused():
    event = make_event()

    with refused_by("abstract_order_positive"):
        Abstract.objects.create(event=event, title="Zeroth", text="Text.", order=0)


def test_an_abstract_at_position_one_is_fine():
    abstract = Abstract.objects.create(event=make_event(), title="First", text="Text.", order=1)

    abstract.refresh_from_db()
    assert abstract.order == 1


def test_an_abstract_without_a_title_is_refused():
    event = make_event()

    with refused_by("abstract_has_title"):
        Abstract.objects.create(event=event, title="", text="Text.")


def test_an_abstract_title_cannot_be_emptied_by_an_update():
    abstract = make_abstract(make_event(), title="Kept")

    with refused_by("abstract_has_title"):
        Abstract.objects.filter(pk=abstract.pk).update(title="")

    abstract.refresh_from_db()
    assert abstract.title == "Kept"


# Authorships


def _abstract_with_people(count: int):
    event = make_event()
    people = [make_person(event) for _ in range(count)]
    return make_abstract(event), people


def test_a_second_presenting_author_on_one_abstract_is_refused():
    abstract, (ada, bob) = _abstract_with_people(2)
    Authorship.objects.create(abstract=abstract, person=ada, position=1, is_presenting=True)

    with refused_by("authorship_one_presenting_author"):
        Authorship.objects.create(abstract=abstract, person=bob, position=2, is_presenting=True)

    assert list(abstract.authorships.values_list("person", flat=True)) == [ada.pk]


def test_a_second_presenting_author_cannot_be_made_by_an_update():
    abstract, (ada, bob) = _abstract_with_people(2)
    Authorship.objects.create(abstract=abstract, person=ada, position=1, is_presenting=True)
    second = Authorship.objects.create(abstract=abstract, person=bob, position=2)

    with refused_by("authorship_one_presenting_author"):
        Authorship.objects.filter(pk=second.pk).update(is_presenting=True)

    second.refresh_from_db()
    assert second.is_presenting is False


def test_several_non_presenting_authors_and_one_presenting_author_are_fine():
    abstract, (ada, bob, cy) = _abstract_with_people(3)

    Authorship.objects.bulk_create(
        [
            Authorship(abstract=abstract, person=ada, position=1),
            Authorship(abstract=abstract, person=bob, position=2),
            Authorship(abstract=abstract, person=cy, position=3, is_presenting=True),
        ]
    )

    assert list(abstract.authorships.values_list("position", "is_presenting")) == [
        (1, False),
        (2, False),
        (3, True),
    ]


def test_presenting_authors_of_two_different_abstracts_are_fine():
    event = make_event()
    ada = make_person(event)
    first, second = make_abstract(event), make_abstract(event)

    Authorship.objects.create(abstract=first, person=ada, position=1, is_presenting=True)
    Authorship.objects.create(abstract=second, person=ada, position=1, is_presenting=True)

    assert Authorship.objects.filter(is_presenting=True).count() == 2


def test_the_same_person_twice_on_one_abstract_is_refused():
    abstract, (ada,) = _abstract_with_people(1)
    Authorship.objects.create(abstract=abstract, person=ada, position=1)

    with refused_by("authorship_person_once"):
        Authorship.objects.create(abstract=abstract, person=ada, position=2)


def test_two_authorships_at_the_same_position_are_refused():
    abstract, (ada, bob) = _abstract_with_people(2)
    Authorship.objects.create(abstract=abstract, person=ada, position=1)

    with refused_by("authorship_position_unique"):
        Authorship.objects.create(abstract=abstract, person=bob, position=1)


def test_an_authorship_at_position_zero_is_refused():
    abstract, (ada,) = _abstract_with_people(1)

    with refused_by("authorship_position_positive"):
        Authorship.objects.create(abstract=abstract, person=ada, position=0)


# Affiliations of an author


def _authorship_and_affiliations():
    event = make_event()
    abstract = make_abstract(event)
    authorship = Authorship.objects.create(abstract=abstract, person=make_person(event), position=1)
    first = Affiliation.objects.create(event=event, name="Forschungszentrum Jülich")
    second = Affiliation.objects.create(event=event, name="DESY, Hamburg")
    return authorship, first, second


def test_the_same_affiliation_twice_for_one_author_is_refused():
    authorship, julich, _ = _authorship_and_affiliations()
    AuthorAffiliation.objects.create(authorship=authorship, affiliation=julich, position=1)

    with refused_by("author_affiliation_once"):
        AuthorAffiliation.objects.create(authorship=authorship, affiliation=julich, position=2)


def test_two_affiliations_of_one_author_at_the_same_position_are_refused():
    authorship, julich, desy = _authorship_and_affiliations()
    AuthorAffiliation.objects.create(authorship=authorship, affiliation=julich, position=1)

    with refused_by("author_affiliation_position_unique"):
        AuthorAffiliation.objects.create(authorship=authorship, affiliation=desy, position=1)


def test_two_affiliations_of_one_author_in_order_are_fine():
    authorship, julich, desy = _authorship_and_affiliations()

    AuthorAffiliation.objects.bulk_create(
        [
            AuthorAffiliation(authorship=authorship, affiliation=julich, position=1),
            AuthorAffiliation(authorship=authorship, affiliation=desy, position=2),
        ]
    )

    assert list(authorship.affiliation_links.values_list("affiliation__name", flat=True)) == [
        "Forschungszentrum Jülich",
        "DESY, Hamburg",
    ]


# Keywords


def test_a_keyword_is_unique_per_event_ignoring_case_and_spacing():
    event = make_event()
    first = Keyword.objects.create(event=event, label="Deep Learning")

    with refused_by("keyword_unique_per_event"):
        Keyword.objects.create(event=event, label="deep  learning")

    assert first.key == "deep learning"
    assert list(event.keywords.values_list("label", flat=True)) == ["Deep Learning"]


def test_a_keyword_is_unique_per_event_ignoring_non_ascii_case():
    event = make_event()
    first = Keyword.objects.create(event=event, label="Über")

    with refused_by("keyword_unique_per_event"):
        Keyword.objects.create(event=event, label="über")

    assert first.key == "über"


def test_the_same_keyword_in_another_event_is_fine():
    first, second = make_event(), make_event()

    Keyword.objects.create(event=first, label="Deep Learning")
    Keyword.objects.create(event=second, label="Deep Learning")

    assert Keyword.objects.filter(key="deep learning").count() == 2


def test_a_blank_keyword_is_refused():
    event = make_event()

    with refused_by("keyword_has_label"):
        Keyword.objects.create(event=event, label="   ")


# Affiliations


def test_affiliations_of_one_event_are_unique_by_normalised_text():
    event = make_event()
    first = Affiliation.objects.create(event=event, name="Forschungszentrum Jülich")

    with refused_by("affiliation_unique_per_event"):
        Affiliation.objects.create(event=event, name="forschungszentrum  jülich")

    assert first.key == "forschungszentrum jülich"


def test_an_affiliation_written_with_a_combining_accent_is_the_same_affiliation():
    event = make_event()
    Affiliation.objects.create(event=event, name="Forschungszentrum J\u00fclich")

    with refused_by("affiliation_unique_per_event"):
        Affiliation.objects.create(event=event, name="Forschungszentrum Ju\u0308lich")


def test_affiliations_differing_by_an_accent_are_two_rows():
    event = make_event()

    Affiliation.objects.create(event=event, name="Forschungszentrum Julich")
    Affiliation.objects.create(event=event, name="Forschungszentrum Jülich")

    assert sorted(event.affiliations.values_list("key", flat=True)) == [
        "forschungszentrum julich",
        "forschungszentrum jülich",
    ]


def test_the_same_affiliation_in_another_event_is_fine():
    first, second = make_event(), make_event()

    Affiliation.objects.create(event=first, name="DESY")
    Affiliation.objects.create(event=second, name="DESY")

    assert Affiliation.objects.filter(key="desy").count() == 2


# People


def test_a_malformed_orcid_is_refused_on_create():
    event = make_event()

    with refused_by("person_orcid_format"):
        Person.objects.create(event=event, first_name="Ada", last_name="Lovelace", orcid="1234")


def test_a_malformed_orcid_is_refused_on_update():
    person = make_person(make_event())

    with refused_by("person_orcid_format"):
        Person.objects.filter(pk=person.pk).update(orcid="1234")

    person.refresh_from_db()
    assert person.orcid == ""


def test_a_well_formed_orcid_ending_in_x_is_accepted():
    person = make_person(make_event(), orcid="0000-0002-1694-233X")

    person.refresh_from_db()
    assert person.orcid == "0000-0002-1694-233X"


def test_the_same_orcid_twice_in_one_event_is_refused():
    event = make_event()
    make_person(event, orcid="0000-0002-1825-0097")

    with refused_by("person_orcid_unique_per_event"):
        make_person(event, orcid="0000-0002-1825-0097")


def test_the_same_orcid_in_two_events_and_many_people_without_orcid_are_fine():
    first, second = make_event(), make_event()

    make_person(first, orcid="0000-0002-1825-0097")
    make_person(second, orcid="0000-0002-1825-0097")
    make_person(first)
    make_person(first)

    assert Person.objects.filter(orcid="0000-0002-1825-0097").count() == 2
    assert first.people.filter(orcid="").count() == 2


def test_the_same_email_differing_only_in_case_is_refused_in_one_event():
    event = make_event()
    make_person(event, email="Ada.Lovelace@Example.org")

    with refused_by("person_email_unique_per_event"):
        make_person(event, email="ada.lovelace@example.org")


def test_the_same_email_in_two_events_and_many_people_without_email_are_fine():
    first, second = make_event(), make_event()

    make_person(first, email="ada@example.org")
    make_person(second, email="ada@example.org")
    make_person(first)
    make_person(first)

    assert Person.objects.filter(email="ada@example.org").count() == 2
    assert first.people.filter(email="").count() == 2


def test_a_person_without_a_last_name_is_refused():
    event = make_event()

    with refused_by("person_has_last_name"):
        Person.objects.create(event=event, first_name="Ada", last_name="")


def test_a_person_with_an_authorship_cannot_be_deleted():
    event = make_event()
    ada = make_person(event)
    abstract = make_abstract(event, authors=[(ada, [])])

    with pytest.raises(RestrictedError) as excinfo, transaction.atomic():
        ada.delete()

    assert set(excinfo.value.restricted_objects) == set(abstract.authorships.all())
    assert Person.objects.filter(pk=ada.pk).exists()
    assert abstract.authorships.get().person == ada


def test_an_affiliation_or_keyword_in_use_cannot_be_deleted():
    event = make_event()
    affiliation = Affiliation.objects.create(event=event, name="DESY")
    make_abstract(event, authors=[(make_person(event), [affiliation])], keywords=["Imaging"])

    with pytest.raises(RestrictedError), transaction.atomic():
        affiliation.delete()
    with pytest.raises(RestrictedError), transaction.atomic():
        Keyword.objects.get(event=event).delete()

    assert Affiliation.objects.filter(pk=affiliation.pk).exists()


def test_deleting_an_event_deletes_its_abstracts_people_affiliations_and_keywords():
    from tests.factories import import_demo_event

    event = import_demo_event()
    other = make_event()
    make_abstract(other, authors=[(make_person(other), [])], keywords=["Kept"])

    event.delete()

    assert not Abstract.objects.filter(event_id=event.pk).exists()
    assert not Person.objects.filter(event_id=event.pk).exists()
    assert not Affiliation.objects.filter(event_id=event.pk).exists()
    assert not Keyword.objects.filter(event_id=event.pk).exists()
    assert Abstract.objects.filter(event=other).count() == 1
    assert Keyword.objects.get(event=other).label == "Kept"


def test_a_person_without_authorships_can_be_deleted():
    ada = make_person(make_event())

    ada.delete()

    assert not Person.objects.exists()


# Events


def test_an_event_ending_before_it_starts_is_refused():
    with refused_by("event_ends_after_it_starts"):
        Event.objects.create(
            name="Backwards", slug="backwards", start_date=date(2026, 3, 5), end_date=date(2026, 3, 4)
        )


def test_a_one_day_event_is_fine():
    event = make_event(start_date=date(2026, 3, 5), end_date=date(2026, 3, 5))

    event.refresh_from_db()
    assert event.end_date == event.start_date


def test_a_deadline_before_the_call_opens_is_refused():
    with refused_by("event_deadline_after_call_opens"):
        Event.objects.create(
            name="Late call",
            slug="late-call",
            start_date=date(2026, 3, 5),
            call_opens_at=datetime(2026, 1, 10, 9, 0, tzinfo=BERLIN),
            call_deadline=datetime(2026, 1, 9, 23, 59, tzinfo=BERLIN),
        )


def test_a_deadline_at_the_moment_the_call_opens_is_refused():
    opens = datetime(2026, 1, 10, 9, 0, tzinfo=BERLIN)

    with refused_by("event_deadline_after_call_opens"):
        Event.objects.create(
            name="No call",
            slug="no-call",
            start_date=date(2026, 3, 5),
            call_opens_at=opens,
            call_deadline=opens,
        )


def test_a_word_limit_of_zero_is_refused():
    event = make_event()

    with refused_by("event_word_limit_positive"):
        Event.objects.filter(pk=event.pk).update(word_limit=0)

    event.refresh_from_db()
    assert event.word_limit == 300


def test_a_poster_code_pattern_without_a_number_is_refused():
    with refused_by("event_code_pattern_has_number"):
        Event.objects.create(
            name="No numbers", slug="no-numbers", start_date=date(2026, 3, 5), poster_code_pattern="PS"
        )


# Sessions


def test_the_same_session_title_twice_in_one_event_is_refused():
    event = make_event()
    make_session(event, "Biomedicine", order=1)

    with refused_by("session_title_unique_per_event"):
        make_session(event, "Biomedicine", order=2)


def test_the_same_session_title_in_two_events_is_fine():
    make_session(make_event(), "Biomedicine")
    make_session(make_event(), "Biomedicine")

    assert Session.objects.filter(title="Biomedicine").count() == 2


def test_a_session_at_position_zero_is_refused():
    event = make_event()

    with refused_by("session_order_positive"):
        make_session(event, "Earth", order=0)


# The ORCID validator (used by forms, the API and the import)


@pytest.mark.parametrize("orcid", ["0000-0002-1825-0097", "0000-0001-5109-3700", "0000-0002-1694-233X"])
def test_the_orcid_validator_accepts_valid_orcids(orcid):
    assert validate_orcid(orcid) is None


def test_the_orcid_validator_rejects_a_wrong_check_digit():
    with pytest.raises(ValidationError) as excinfo:
        validate_orcid("0000-0002-1825-0098")

    assert excinfo.value.messages == [
        "'0000-0002-1825-0098' is not a valid ORCID iD: its check digit is wrong."
    ]


@pytest.mark.parametrize("orcid", ["1234", "0000-0002-1825-009", "0000000218250097", "0000-0002-1825-009x"])
def test_the_orcid_validator_rejects_malformed_orcids(orcid):
    with pytest.raises(ValidationError) as excinfo:
        validate_orcid(orcid)

    assert excinfo.value.messages == [f"{orcid!r} is not an ORCID iD (0000-0002-1825-0097 is one)."]


# Links across events are refused by validation (the admin's forms run it)


def test_an_author_from_another_event_is_refused_by_validation():
    event, other = make_event(), make_event()
    abstract = make_abstract(event)
    stranger = make_person(other)

    with pytest.raises(ValidationError) as error:
        Authorship(abstract=abstract, person=stranger, position=1).full_clean()

    assert error.value.message_dict == {"person": ["This person belongs to another event."]}


def test_a_session_keyword_or_affiliation_from_another_event_is_refused_by_validation():
    event, other = make_event(), make_event()
    abstract = make_abstract(event, authors=[(make_person(event), [])])
    authorship = abstract.authorships.get()
    foreign_affiliation = Affiliation.objects.create(event=other, name="Elsewhere")
    foreign_keyword = Keyword.objects.create(event=other, label="Elsewhere")
    abstract.session = make_session(other, "Foreign")

    with pytest.raises(ValidationError) as session_error:
        abstract.full_clean()
    with pytest.raises(ValidationError) as affiliation_error:
        AuthorAffiliation(authorship=authorship, affiliation=foreign_affiliation, position=1).full_clean()
    with pytest.raises(ValidationError) as keyword_error:
        AbstractKeyword(abstract=abstract, keyword=foreign_keyword, position=1).full_clean()
    with pytest.raises(ValidationError) as unattached_error:
        UnattachedAffiliation(abstract=abstract, affiliation=foreign_affiliation, position=1).full_clean()

    assert session_error.value.message_dict == {"session": ["This session belongs to another event."]}
    assert affiliation_error.value.message_dict == {
        "affiliation": ["This affiliation belongs to another event."]
    }
    assert keyword_error.value.message_dict == {"keyword": ["This keyword belongs to another event."]}
    assert unattached_error.value.message_dict == {
        "affiliation": ["This affiliation belongs to another event."]
    }
