"""An abstract whose list of authors runs onto the next page: each name carries an anchor of its own,
so the author index names the page the name is printed on, not the page the list starts on."""

import re

import pytest
from pypdf import PdfReader

from abstracts.models import Affiliation
from books.services import build_book_now
from indexes.models import AuthorIndexEntry
from indexes.services import index_rebuild
from tests.factories import make_abstract, make_event, make_person

pytestmark = pytest.mark.django_db


def test_each_name_of_a_list_that_runs_onto_the_next_page_is_indexed_on_its_own_page():
    event = make_event(is_published=True)
    affiliations = [
        Affiliation.objects.create(event=event, name=f"Institute of Long Author Lists {n}") for n in range(12)
    ]
    people = [make_person(event, first_name="Maria", last_name=f"Listname{n:03d}") for n in range(320)]
    make_abstract(
        event,
        code="PS01",
        authors=[(person, [affiliations[n % 12]]) for n, person in enumerate(people)],
        keywords=["Author lists"],
    )
    make_abstract(event, code="PS02", authors=[(people[-1], [affiliations[0]])], keywords=["Author lists"])
    index_rebuild(event_id=event.pk)

    build = build_book_now(event, processes=1).build
    reader = PdfReader(build.pdf.path)
    page_of_number = {label: index for index, label in enumerate(reader.page_labels) if label.isdigit()}
    texts = [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]

    pages_of_the_list = set()
    for entry in AuthorIndexEntry.objects.filter(event=event, surname__startswith="Listname"):
        assert entry.pages, f"{entry.label} has no page"
        name = f"{entry.given_names} {entry.surname}"
        for number in entry.pages:
            assert name in texts[page_of_number[str(number)]], f"{name} is not on page {number}"
        pages_of_the_list.add(entry.pages[0])
    assert len(pages_of_the_list) >= 2, "the list runs onto a second page"
    last = AuthorIndexEntry.objects.get(event=event, surname="Listname319")
    assert len(last.pages) == 2, "printed in both abstracts, on two pages"
