"""The sample conference's book, built by ``manage.py build_book`` and read back with pypdf:
every page number printed in the contents and the indexes is checked against the page's text."""

import re
import subprocess
from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from abstracts.models import Abstract
from books.models import BookBuild
from indexes.models import AuthorIndexEntry, KeywordIndexEntry
from indexes.services import index_rebuild
from tests.factories import import_demo_event

# The tests read what the module's fixture built; the mark makes pytest-django set up the database.
pytestmark = pytest.mark.django_db


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module", params=["whole author index", "author index in two halves"])
def demo_book(request, django_db_setup, django_db_blocker, tmp_path_factory):
    from django.conf import settings

    split = settings.BOOK_INDEX_SPLIT
    if request.param == "author index in two halves":
        settings.BOOK_INDEX_SPLIT = 100  # the demo's 158 people are then laid out in two parts
    with django_db_blocker.unblock():
        event = import_demo_event()
        index_rebuild(event_id=event.pk)  # so the stored index entries get the book's page numbers
        out = tmp_path_factory.mktemp("book") / "demo.pdf"
        stdout = StringIO()
        call_command("build_book", event.slug, "-o", str(out), stdout=stdout)
        build = BookBuild.objects.get(event=event, status=BookBuild.Status.SUCCEEDED)
        reader = PdfReader(out)
        labels = reader.page_labels
        book = {
            "event": event,
            "build": build,
            "out": out,
            "stdout": stdout.getvalue(),
            "reader": reader,
            "texts": [page.extract_text() for page in reader.pages],
            "labels": labels,
            "index_of_page": {label: index for index, label in enumerate(labels) if label.isdigit()},
            "authors": list(AuthorIndexEntry.objects.filter(event=event).order_by("position")),
            "keywords": list(KeywordIndexEntry.objects.filter(event=event).order_by("position")),
            "abstracts": {a.code: a for a in Abstract.objects.filter(event=event)},
        }
        yield book
        event.delete()
    settings.BOOK_INDEX_SPLIT = split


def page_text(book: dict, number: int) -> str:
    return squash(book["texts"][book["index_of_page"][str(number)]])


def test_the_command_writes_the_pdf_and_prints_pages_and_seconds(demo_book):
    assert re.fullmatch(
        r"\d+ pages in \d+\.\d s \(\d+ of \d+ slices laid out, [\d.]+ MB\): .+\n", demo_book["stdout"]
    )
    pages = int(demo_book["stdout"].split()[0])
    assert pages == len(demo_book["reader"].pages) == demo_book["build"].pages
    assert demo_book["out"].read_bytes()[:5] == b"%PDF-"


def test_every_contents_line_names_the_page_its_abstract_is_on(demo_book):
    # The page numbers are set in after layout, so the contents are read by position on the page.
    front = [index for index, label in enumerate(demo_book["labels"]) if not label.isdigit()]
    lines = "\n".join(
        demo_book["reader"].pages[index].extract_text(extraction_mode="layout") for index in front
    ).splitlines()
    entries: list[list] = []  # [code or heading, page]
    for line in lines:
        found = re.match(r"\s*(PS-\d{2})\s", line) or re.match(r"\s*(Author index|Keyword index)\b", line)
        if found:
            entries.append([found[1], None])
        number = re.search(r"(?:\.\s*)+\s*(\d+)\s*$", line) or re.search(r"\s{3,}(\d+)\s*$", line)
        if number and entries and entries[-1][1] is None:
            entries[-1][1] = int(number[1])
    codes = [code for code, _ in entries if code.startswith("PS-")]
    assert codes == [f"PS-{n:02d}" for n in range(1, 47)], "contents in natural code order, each once"
    for code, printed in entries:
        assert printed is not None, f"no page number printed for {code}"
        text = page_text(demo_book, printed)
        if not code.startswith("PS-"):
            assert text.startswith(code), f"{code} does not start on page {printed}"
            continue
        abstract = demo_book["abstracts"][code]
        assert printed == demo_book["build"].page_numbers[str(abstract.pk)]
        assert code in text, f"{code} is not on page {printed}"
        title_start = squash(re.sub(r"<[^>]+>", "", abstract.title))[:25]
        assert title_start in text, f"{code}'s title is not on page {printed}"


def test_every_contents_line_links_to_the_page_its_abstract_is_on(demo_book):
    reader = demo_book["reader"]
    index_of_object = {page.indirect_reference.idnum: index for index, page in enumerate(reader.pages)}
    front = [index for index, label in enumerate(demo_book["labels"]) if not label.isdigit()]
    lines_on_page: dict[int, list[tuple[str, str]]] = {}  # page index → (code, what its contents line says)
    for code, abstract in demo_book["abstracts"].items():
        number = demo_book["build"].page_numbers.get(str(abstract.pk))
        if number is not None:
            line = squash(f"{code} " + re.sub(r"<[^>]+>", "", abstract.title)).replace(" ", "")
            lines_on_page.setdefault(demo_book["index_of_page"][str(number)], []).append((code, line))
    linked = set()
    checked: list[tuple[int, float, float, int]] = []  # (contents page, bottom, top, page linked to)
    unchecked: list[tuple[int, float, float, int]] = []
    for index in front:
        page = reader.pages[index]
        fragments: list[tuple[str, float, float]] = []  # (text, x, y) in PDF points, as drawn

        def visit(text, cm, tm, _font, _size, fragments=fragments):
            x, y = tm[4], tm[5]
            fragments.append((text, cm[0] * x + cm[2] * y + cm[4], cm[1] * x + cm[3] * y + cm[5]))

        page.extract_text(visitor_text=visit)
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") != "/Link":
                continue
            left, bottom, right, top = (float(value) for value in annotation["/Rect"])
            assert top - bottom < 20, "a link is one line high"
            under = "".join(
                text for text, x, y in fragments if left - 1 <= x < right and bottom - 1 <= y <= top + 1
            )
            under = squash(under).replace(" ", "").rstrip(".")
            target = index_of_object[annotation["/Dest"][0].idnum]
            if not under:  # WeasyPrint links each box inside the <a>, the leader's too: checked below
                unchecked.append((index, bottom, top, target))
                continue
            checked.append((index, bottom, top, target))
            if under in ("Authorindex", "Keywordindex"):
                assert squash(demo_book["texts"][target]).replace(" ", "").startswith(under)
                linked.add(under)
                continue
            matches = [code for code, line in lines_on_page.get(target, []) if under and under in line]
            assert matches, f"the link over {under!r} on contents page {index} goes to page {target}"
            linked.update(matches)
    assert linked == set(demo_book["abstracts"]) | {"Authorindex", "Keywordindex"}
    for index, bottom, top, target in unchecked:  # it shares a line with a checked link to the same page
        assert any(
            (index, target) == (page, linked_to) and bottom < line_top and top > line_bottom
            for page, line_bottom, line_top, linked_to in checked
        ), f"a link on contents page {index} goes to page {target}, elsewhere than its line"


def parse_index(book: dict, heading: str, next_heading: str | None) -> list[tuple[str, list[int]]]:
    numbered = [index for index, label in enumerate(book["labels"]) if label.isdigit()]
    # Without the running header and page number laid over each page after the index was set.
    furniture = {book["event"].name}
    text = "\n".join(
        line
        for index in numbered
        for line in book["texts"][index].replace("ﬀ", "ff").splitlines()
        if line.strip() not in furniture | {book["labels"][index]}
    )
    start = text.index(f"\n{heading}\n") if f"\n{heading}\n" in text else text.index(heading)
    end = text.index(next_heading, start + len(heading)) if next_heading else len(text)
    entries: list[tuple[str, list[int]]] = []
    for line in text[start + len(heading) : end].splitlines():
        line = line.strip()
        if re.fullmatch(r"[\d, ]+", line) and entries:  # page numbers that wrapped onto the next line
            label, pages = entries[-1]
            entries[-1] = (label, pages + [int(n) for n in re.findall(r"\d+", line)])
            continue
        match = re.fullmatch(r"(.+?) (\d+(?:, \d+)*,?)", line)
        if match:
            entries.append((match[1], [int(n) for n in re.findall(r"\d+", match[2])]))
        elif len(line) > 1:
            entries.append((line, []))  # a long name whose page numbers went to the next line
    return [(label, pages) for label, pages in entries if pages]


def test_every_author_index_entry_names_pages_on_which_that_name_is_printed(demo_book):
    printed = dict(parse_index(demo_book, "Author index", "Keyword index"))
    stored = {entry.label: entry for entry in demo_book["authors"]}
    assert set(printed) == set(stored), "every person of the accepted abstracts is in the index, once"
    for label, pages in printed.items():
        entry = stored[label]
        assert pages == entry.pages, f"{label}: printed {pages}, stored {entry.pages}"
        for number in pages:
            assert entry.surname in page_text(demo_book, number), f"{entry.surname} is not on page {number}"
    assert printed["Bačák Miroslav"]
    assert printed["Hrabě de Angelis Martin"]


def test_every_keyword_index_entry_names_pages_on_which_that_keyword_is_printed(demo_book):
    printed = dict(parse_index(demo_book, "Keyword index", None))
    stored = {entry.label: entry for entry in demo_book["keywords"]}
    assert set(printed) == set(stored)
    for label, pages in printed.items():
        assert pages == stored[label].pages
        for number in pages:
            text = page_text(demo_book, number)
            keywords_line = text[text.index("Keywords:") :].casefold()
            assert label.casefold() in keywords_line, f"keyword {label!r} is not on page {number}"


def words_on(pdf_path, index: int) -> list[tuple[float, float, str, float]]:
    """(left, top, text, right) of each word on a page, in points from the top left, as poppler sets them."""
    page = str(index + 1)
    found = subprocess.run(
        ["pdftotext", "-bbox", "-f", page, "-l", page, str(pdf_path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return [
        (float(left), float(top), word, float(right))
        for left, top, right, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)"[^>]*>([^<]*)</word>', found.stdout
        )
    ]


def test_contents_lines_have_dot_leaders_standing_in_columns_up_to_the_page_number(demo_book):
    # The assembler sets the leaders in after layout, counted back from the number's room as leader() does.
    front = [index for index, label in enumerate(demo_book["labels"]) if not label.isdigit()]
    lines_with_leaders = 0
    for index in front:
        lines: dict[int, list[tuple[float, str, float]]] = {}
        for left, top, word, right in words_on(demo_book["out"], index):
            lines.setdefault(round(top), []).append((left, word, right))
        last_dots = set()
        for words in lines.values():
            words.sort()
            dots = [left for left, word, _right in words if word == "."]
            if len(dots) < 3:
                continue
            lines_with_leaders += 1
            assert words[-1][1].isdigit(), f"a leader on page {index} does not end at a page number: {words}"
            title_end = max(right for left, word, right in words if word != "." and left < dots[0])
            assert 0 < dots[0] - title_end < 10, (
                f"a leader on page {index} does not start after its title: {words}"
            )
            steps = {round(b - a, 1) for a, b in pairwise(dots)}
            assert len(steps) == 1, f"the dots of a leader are not evenly spaced: {steps}"
            assert words[-1][0] - dots[-1] > 15, "room is left between the leader and the number"
            # The number ends at the right margin: the outer one (18 mm) on a right-hand page, the inner
            # one (24 mm) on a left-hand page; the cover is page 0, a right-hand page.
            margin_mm = 18 if index % 2 == 0 else 24
            assert abs(words[-1][2] - (210 - margin_mm) * 72 / 25.4) < 0.5, f"page {index}: {words[-1]}"
            last_dots.add(round(dots[-1], 1))
        assert len(last_dots) <= 1, f"the leaders on page {index} do not end in the same column: {last_dots}"
    assert lines_with_leaders >= 46, "every contents line of the 46 abstracts has a leader"


def test_a_contents_title_that_wraps_lines_up_with_its_first_line(demo_book):
    front = [index for index, label in enumerate(demo_book["labels"]) if not label.isdigit()]
    title_starts, continuation_starts = set(), set()
    for index in front:
        lines: dict[int, list[tuple[float, str]]] = {}
        for left, top, word, _right in words_on(demo_book["out"], index):
            lines.setdefault(round(top), []).append((left, word))
        for words in lines.values():
            words.sort()
            if re.fullmatch(r"PS-\d{2}", words[0][1]):
                title_starts.add(round(words[1][0], 1))
            elif any(word == "." for _left, word in words) and words[0][1] not in ("Author", "Keyword"):
                continuation_starts.add(round(words[0][0], 1))  # a wrapped title's last line, with its leader
    assert len(title_starts) <= 2, f"titles start in one column per page side: {title_starts}"
    assert continuation_starts, "the demo book has titles that take two lines"
    assert continuation_starts <= title_starts, (continuation_starts, title_starts)


def test_an_index_page_has_two_columns_side_by_side_both_starting_under_the_heading(demo_book):
    # Index columns are laid out one per page and set two to a page by the assembler.
    mm = 72 / 25.4
    number = next(n for n in range(1, 500) if page_text(demo_book, n).startswith("Author index"))
    words = words_on(demo_book["out"], demo_book["index_of_page"][str(number)])
    heading_top = next(top for _left, top, word, _right in words if word == "Author")
    entries = [(left, top) for left, top, _word, _right in words if heading_top + 5 < top < 270 * mm]
    left_column = [top for left, top in entries if 24 * mm - 1 <= left < 104 * mm]
    right_column = [top for left, top in entries if 112 * mm - 1 <= left < 192 * mm]
    assert len(left_column) > 40 and len(right_column) > 40, (len(left_column), len(right_column))
    assert len(left_column) + len(right_column) == len(entries), "every word is in one of the two columns"
    assert abs(min(left_column) - min(right_column)) < 1, "both columns start at the same height"


def test_the_cover_letter_headings_and_superscripts_are_printed(demo_book):
    cover = squash(demo_book["texts"][0])
    assert "Helmholtz AI kick-off meeting" in cover.replace("ﬀ", "ff")
    assert "5 March 2020" in cover
    assert "Lenbach Palais, Munich" in cover
    assert "BOOK OF ABSTRACTS" in cover
    ps07 = demo_book["abstracts"]["PS-07"]
    text = page_text(demo_book, demo_book["build"].page_numbers[str(ps07.pk)])
    # Superscripts numbered by first appearance: Li 1,2; Bzdok 3; Holmes 4; Yeo 2; Genon 1.
    assert re.search(r"Jingwei Li ?1,2", text) and re.search(r"Sarah Genon ?1", text), text[:300]
    drawn = drawn_text(demo_book, demo_book["build"].page_numbers[str(ps07.pk)])
    name = next(run for run in drawn if run[0].endswith("Jingwei Li"))
    numbers = drawn[drawn.index(name) + 1]
    assert numbers[0] == "1,2", drawn[:8]
    assert numbers[1] < 0.8 * name[1], "the affiliation numbers are set smaller than the name"
    assert numbers[2] > name[2] + 2, "and raised above its baseline"
    # The numbered affiliations below, each number in the font's superior figures.
    assert "¹ Forschungszentrum Julich, Institute of Neuroscience and Medicine" in text
    assert "⁴ Yale University, New Haven, USA" in text
    index_text = squash(" ".join(demo_book["texts"][-6:]))
    for letter in ("A", "B", "Z"):
        assert re.search(rf"\b{letter}\b", index_text)
    assert demo_book["labels"][0] == "i" and "1" in demo_book["labels"]
    first_body = demo_book["index_of_page"]["1"]
    assert first_body % 2 == 0, "page 1 is a right-hand page (an odd sheet side)"


def drawn_text(book: dict, number: int) -> list[tuple[str, float, float]]:
    """The runs of text drawn on a page: (text, size in points, baseline in points from the bottom)."""
    runs = []

    def visit(text, cm, tm, _font, size):
        if text.strip():
            runs.append((text.strip(), size * tm[3] * cm[3], tm[5] * cm[3] + cm[5]))

    book["reader"].pages[book["index_of_page"][str(number)]].extract_text(visitor_text=visit)
    return runs


def test_no_author_name_is_broken_across_lines(demo_book):
    """The PDF holds each name together with word joiners (no element per name): every name of every
    abstract is printed whole on one line, and copies as it is spelt."""
    checked = 0
    for abstract in demo_book["abstracts"].values():
        number = demo_book["build"].page_numbers.get(str(abstract.pk))
        if number is None:
            continue
        lines = demo_book["texts"][demo_book["index_of_page"][str(number)]].splitlines()
        for authorship in abstract.authorships.select_related("person"):
            name = f"{authorship.person.first_name} {authorship.person.last_name}".strip()
            assert any(name in line for line in lines), f"{abstract.code}: {name!r} is not whole on a line"
            checked += 1
    assert checked >= 180
    assert "\u2060" not in "".join(demo_book["texts"]), "the word joiners print and copy as nothing"


def test_the_fonts_are_the_bundled_ones_each_embedded_once(demo_book):
    listing = subprocess.run(["pdffonts", str(demo_book["out"])], capture_output=True, text=True, check=True)
    fonts = [line.split()[0] for line in listing.stdout.splitlines()[2:]]
    assert fonts, listing.stdout
    assert all("Book-Serif" in name for name in fonts), fonts
    assert len(fonts) == len(set(fonts)), f"a font is embedded more than once: {fonts}"
