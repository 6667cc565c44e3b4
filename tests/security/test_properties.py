"""Property-based tests (hypothesis): the exchange format round-trips generated events exactly, Unicode
included; the text sanitiser never lets executable markup through, is idempotent and keeps plain text."""

import html
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abstracts.exchange import export_event, import_event
from abstracts.models import Abstract
from abstracts.text import INLINE_TAGS, clean_inline, render_paragraphs, text_key
from tests.security.hostile import PAYLOADS, injected_markup

# Modest: the suite stays fast; each example of the round trip is two imports and two exports.
ROUND_TRIP = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SANITISER = settings(max_examples=100, deadline=None)

# Any character that is text: no control characters (refused on input), no lone surrogates, and no "<"
# or ">" (markup is generated separately); right-to-left, combining, emoji, astral planes all come.
TEXT_CHARACTERS = st.characters(
    exclude_categories=("Cc", "Cs", "Co", "Cn"), exclude_characters="<>", max_codepoint=0x1FFFF
)
_slugs = itertools.count(1)


def words(min_size: int = 1, max_size: int = 30) -> st.SearchStrategy[str]:
    """A stripped, non-blank string with single spaces, as the import stores it."""
    return (
        st.text(TEXT_CHARACTERS, min_size=min_size, max_size=max_size)
        .map(lambda value: " ".join(value.split()))
        .filter(lambda value: text_key(value) != "")
    )


def marked_up() -> st.SearchStrategy[str]:
    """A title or paragraph: words, some of them in the allowed inline markup."""
    piece = st.one_of(
        words(),
        st.tuples(st.sampled_from(sorted(INLINE_TAGS)), words()).map(
            lambda tw: f"<{tw[0]}>{tw[1]}</{tw[0]}>"
        ),
    )
    return st.lists(piece, min_size=1, max_size=4).map(" ".join)


def distinct(strategy, min_size: int, max_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(strategy, min_size=min_size, max_size=max_size, unique_by=text_key)


@st.composite
def exchange_events(draw) -> dict:
    sessions = draw(distinct(words(max_size=40), 0, 3))
    people = draw(distinct(words(max_size=40), 1, 8))  # last names; each a different person
    affiliation_pool = draw(distinct(words(max_size=60), 1, 6))
    keyword_pool = draw(distinct(words(max_size=25), 1, 8))
    abstract_count = draw(st.integers(1, 4))
    codes = draw(
        st.lists(
            st.from_regex(r"PS[0-9]{1,3}", fullmatch=True),
            min_size=abstract_count,
            max_size=abstract_count,
            unique=True,
        )
    )
    # Distinct titles: an abstract without a code is known by its title (a second one with the same
    # title would be a second abstract, but this test could not tell which is which).
    titles = draw(distinct(marked_up(), abstract_count, abstract_count))
    abstracts = []
    for code, title in zip(codes, titles, strict=True):
        names = draw(st.lists(st.sampled_from(affiliation_pool), min_size=1, max_size=4, unique=True))
        authors = []
        for last_name in draw(st.lists(st.sampled_from(people), min_size=1, max_size=4, unique=True)):
            indexes = draw(st.lists(st.integers(1, len(names)), max_size=len(names), unique=True))
            authors.append(
                {
                    "first_name": draw(st.sampled_from(["", "Ann", "Zoë", "مريم", "👩\u200d🔬"])),
                    "last_name": last_name,
                    "affiliations": indexes,
                    "presenting": False,
                }
            )
        authors[draw(st.integers(0, len(authors) - 1))]["presenting"] = draw(st.booleans())
        abstract = {
            "code": draw(st.one_of(st.none(), st.just(code))),
            "session": draw(st.one_of(st.none(), st.sampled_from(sessions))) if sessions else None,
            "status": draw(st.sampled_from(["submitted", "accepted", "rejected", "withdrawn"])),
            "title": title,
            "authors": authors,
            "affiliations": [{"index": n, "name": name} for n, name in enumerate(names, 1)],
            "text": "\n\n".join(draw(st.lists(marked_up(), min_size=1, max_size=3))),
            "keywords": draw(st.lists(st.sampled_from(keyword_pool), max_size=4, unique=True)),
        }
        if draw(st.booleans()):
            abstract["note"] = draw(words(max_size=60))
        if draw(st.booleans()):
            abstract["order"] = draw(st.integers(1, 2_147_483_647))
        abstracts.append(abstract)
    return {
        "event": {
            "name": draw(words(max_size=80)),
            "slug": f"generated-{next(_slugs)}",
            "start_date": "2026-03-05",
        },
        "sessions": [{"title": title, "order": n} for n, title in enumerate(sessions, 1)],
        "abstracts": abstracts,
    }


@pytest.mark.django_db
@ROUND_TRIP
@given(data=exchange_events())
def test_an_exported_event_imports_and_exports_again_exactly(data):
    first = export_event(import_event(data).event)
    copy = {**first, "event": {**first["event"], "slug": first["event"]["slug"] + "-copy"}}

    second = export_event(import_event(copy).event)

    assert second == copy
    # Nothing the file said was lost on the way: every text is in the export, code point for code point.
    exported = {abstract["code"] or abstract["title"]: abstract for abstract in first["abstracts"]}
    for abstract in data["abstracts"]:
        twin = exported[abstract["code"] or abstract["title"]]
        assert (twin["title"], twin["text"], twin.get("note")) == (
            abstract["title"],
            abstract["text"],
            abstract.get("note"),
        )
        assert [a["last_name"] for a in twin["authors"]] == [a["last_name"] for a in abstract["authors"]]
        assert sorted(twin["keywords"]) == sorted(abstract["keywords"])
        names = {entry["name"] for entry in abstract["affiliations"]}
        assert {entry["name"] for entry in twin["affiliations"]} == names
    assert Abstract.objects.filter(event__slug=copy["event"]["slug"]).count() == len(data["abstracts"])


# --- The sanitiser -----------------------------------------------------------------------------------

TAG_NAMES = [
    *sorted(INLINE_TAGS),
    "script",
    "img",
    "svg",
    "iframe",
    "a",
    "style",
    "object",
    "math",
    "p",
    "br",
]
ATTRIBUTES = [
    "onerror=alert(1)",
    'onload="alert(1)"',
    "href=javascript:alert(1)",
    "src=x",
    'style="x:url(y)"',
    "class=pwn",
    "data-pwn=1",
    "srcdoc='<script>alert(1)</script>'",
]


@st.composite
def hostile_html(draw) -> str:
    """Fragments of HTML, well-formed or not: tags with and without hostile attributes, comments,
    entities, stray brackets, the known payloads, and any text."""
    parts = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.integers(0, 6))
        if kind == 0:
            name = draw(st.sampled_from(TAG_NAMES))
            attributes = " ".join(draw(st.lists(st.sampled_from(ATTRIBUTES), max_size=3)))
            closer = draw(st.sampled_from([">", "/>", "", " >"]))
            parts.append(f"<{name}{' ' + attributes if attributes else ''}{closer}")
        elif kind == 1:
            parts.append(f"</{draw(st.sampled_from(TAG_NAMES))}>")
        elif kind == 2:
            parts.append(draw(st.sampled_from(PAYLOADS)))
        elif kind == 3:
            parts.append(
                draw(st.sampled_from(["<!--", "-->", "<![CDATA[", "]]>", "&lt;", "&amp;", "&#60;", "<", ">"]))
            )
        else:
            parts.append(draw(st.text(st.characters(exclude_categories=("Cs",)), max_size=20)))
    return "".join(parts)


def only_inline_tags(markup: str) -> list[str]:
    """Tags of ``markup`` that are not the allowed inline ones without attributes."""
    from html.parser import HTMLParser

    found = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag not in INLINE_TAGS or attrs:
                found.append(f"<{tag} {attrs}>")

        def handle_startendtag(self, tag, attrs):
            found.append(f"<{tag}/>")

    parser = Tags()
    parser.feed(markup)
    parser.close()
    return found


@SANITISER
@given(value=hostile_html())
def test_the_sanitiser_never_lets_executable_markup_through(value):
    for cleaned in (clean_inline(value), str(render_paragraphs(value))):
        assert injected_markup(f"<html><body><div>{cleaned}</div></body></html>") == [], cleaned
        tags = only_inline_tags(cleaned.replace("<p>", "").replace("</p>", ""))
        assert tags == [], cleaned


@SANITISER
@given(value=hostile_html())
def test_the_sanitiser_is_idempotent(value):
    once = clean_inline(value)
    assert clean_inline(once) == once


@SANITISER
@given(value=st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=200))
def test_the_sanitiser_keeps_plain_text_as_it_reads(value):
    # Whatever is typed reads the same once sanitised: "<" and "&" come back escaped, not lost.
    assert html.unescape(clean_inline(html.escape(value, quote=False))) == value
    if "<" not in value and "&" not in value:
        assert html.unescape(clean_inline(value)) == value


@SANITISER
@given(value=marked_up())
def test_the_sanitiser_keeps_the_allowed_markup_as_it_is(value):
    escaped = value.replace("&", "&amp;")
    assert clean_inline(escaped) == escaped
