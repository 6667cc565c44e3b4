"""Unicode edge cases are kept byte for byte through the web form, the API and the exchange round trip,
shown in the pages and printed in the PDF: right-to-left text and marks, combining characters, emoji
with zero-width joiners and flags, zero-width non-joiners, characters outside the Basic Multilingual Plane,
Chinese, Japanese and Korean.

What the PDF can draw depends on the fonts: the bundled Noto Serif (Latin, Greek, Cyrillic), the bundled
fallbacks (static/book/fonts/fallback: Noto Emoji, monochrome, whose ligatures make one glyph of a ZWJ
sequence, a flag or a skin tone; Droid Sans Fallback: CJK unified ideographs, kana, hangul) and the
server's fonts (DejaVu, installed with the app: Arabic, Hebrew, mathematical letters). Ideographs outside
the basic CJK block (𠜎, extension B) and Egyptian hieroglyphs have no font and print as blanks; they
stay in the data, the pages and the API.
"""

import html
import json
import re
import subprocess
import unicodedata
from io import StringIO
from pathlib import Path

import pikepdf
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from PIL import Image
from pypdf import PdfReader
from rest_framework.test import APIClient

from abstracts.exchange import export_event, import_event
from abstracts.models import Abstract
from tests.abstracts.test_submission import form_data, open_call_event

pytestmark = pytest.mark.django_db

RLM, ZWJ, ZWNJ = "\u200f", "\u200d", "\u200c"
ARABIC = f"{RLM}مريم الحسيني"  # a right-to-left mark before an Arabic name
HEBREW = "שָׁלוֹם כֹּהֵן"  # Hebrew with points (combining marks)
COMBINING = "Rene\u0301e Zo\u0308e Nguye\u0302\u0303n"  # decomposed accents, two on one letter
EMOJI = f"Lab 👩{ZWJ}🔬 team 🇩🇪 🇯🇵 👋🏽"  # a ZWJ sequence, two flags, a skin tone
PERSIAN = f"می{ZWNJ}خواهم"  # a zero-width non-joiner inside a word
NON_BMP = "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠜎 𓂀"  # mathematical Fraktur, a CJK extension B ideograph, a hieroglyph
CJK = "中文摘要 漢字 ひらがな カタカナ 한국어"  # simplified and traditional ideographs, kana, hangul
CJK_AFFILIATION = "東京大学 서울대학교"
ALL = (ARABIC, HEBREW, COMBINING, EMOJI, PERSIAN, NON_BMP, CJK)


def content_of(abstract: Abstract) -> dict:
    authorship = abstract.authorships.get()
    return {
        "title": abstract.title,
        "text": abstract.text,
        "note": abstract.note,
        "first_name": authorship.person.first_name,
        "last_name": authorship.person.last_name,
        "affiliation": authorship.affiliations.get().name,
        "keywords": [link.spelling or link.keyword.label for link in abstract.keyword_links.all()],
    }


EXPECTED = {
    "title": f"{COMBINING} {EMOJI} {CJK}",
    "text": "\n\n".join(ALL),
    "note": ARABIC,
    "first_name": ARABIC,
    "last_name": HEBREW,
    "affiliation": f"{PERSIAN} {NON_BMP} {CJK_AFFILIATION}",
    "keywords": [EMOJI, COMBINING, CJK],
}


@pytest.fixture
def user(client):
    user = User.objects.create_user("ana@example.org", "ana@example.org", None)
    client.force_login(user)
    return user


def test_the_form_keeps_every_code_point(client, user):
    event = open_call_event(slug="open-call")
    client.post(
        f"/events/{event.slug}/submit/",
        form_data(
            event,
            title=EXPECTED["title"],
            text=EXPECTED["text"],
            note=EXPECTED["note"],
            affiliations=(EXPECTED["affiliation"],),
            authors=((ARABIC, HEBREW, [0]),),
            keywords=tuple(EXPECTED["keywords"]),
        ),
    )
    abstract = Abstract.objects.get()
    assert content_of(abstract) == EXPECTED
    # Not even normalised: the decomposed accents are still decomposed.
    assert "e\u0301" in abstract.title and unicodedata.normalize("NFC", abstract.title) != abstract.title

    page = client.get(abstract.get_absolute_url()).content.decode()
    for value in (*ALL, EXPECTED["affiliation"]):
        assert value in page, value
    edit = client.get(f"/events/{event.slug}/abstracts/{abstract.pk}/edit/").content.decode()
    assert f'value="{HEBREW}"' in edit and EXPECTED["text"] in edit


def test_the_api_keeps_every_code_point_both_ways(user, settings):
    settings.API_THROTTLE_RATES = {"anon": "100000/minute", "token": "100000/minute", "user": "100000/minute"}
    event = open_call_event(slug="open-call")
    api = APIClient()
    api.force_login(user)
    body = {
        "event": event.slug,
        "title": EXPECTED["title"],
        "text": EXPECTED["text"],
        "note": EXPECTED["note"],
        "affiliations": [EXPECTED["affiliation"]],
        "authors": [{"first_name": ARABIC, "last_name": HEBREW, "affiliations": [1], "is_presenting": True}],
        "keywords": EXPECTED["keywords"],
    }
    created = api.post("/api/v1/abstracts/", body, format="json")
    assert created.status_code == 201, created.json()
    assert content_of(Abstract.objects.get()) == EXPECTED
    read = api.get(f"/api/v1/abstracts/{created.json()['id']}/").json()
    assert (read["title"], read["text"], read["note"]) == (EXPECTED["title"], EXPECTED["text"], ARABIC)
    assert (read["authors"][0]["first_name"], read["authors"][0]["last_name"]) == (ARABIC, HEBREW)
    assert [k["label"] for k in read["keywords"]] == EXPECTED["keywords"]
    assert read["affiliations"][0]["name"] == EXPECTED["affiliation"]


def unicode_exchange() -> dict:
    return {
        "event": {"name": f"Unicode {EMOJI}", "slug": "unicode", "start_date": "2026-03-05", "venue": ARABIC},
        "sessions": [{"title": f"Session {HEBREW}", "order": 1}],
        "abstracts": [
            {
                "code": "PS1",
                "session": f"Session {HEBREW}",
                "status": "accepted",
                "title": EXPECTED["title"],
                "authors": [
                    {"first_name": ARABIC, "last_name": HEBREW, "affiliations": [1], "presenting": True},
                    {"first_name": "", "last_name": NON_BMP, "affiliations": [1], "presenting": False},
                    {"first_name": "小明", "last_name": "王", "affiliations": [1], "presenting": False},
                ],
                "affiliations": [{"index": 1, "name": EXPECTED["affiliation"]}],
                "note": ARABIC,
                "text": EXPECTED["text"],
                "keywords": EXPECTED["keywords"],
            }
        ],
    }


def test_the_exchange_round_trip_keeps_every_code_point(tmp_path):
    data = unicode_exchange()
    path = tmp_path / "unicode.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    call_command("import_event", str(path), "--publish", stdout=StringIO())

    out = tmp_path / "exported.json"
    call_command("export_event", "unicode", "-o", str(out), stdout=StringIO())
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported == data
    # And again: what was exported imports to the same.
    import_event(exported)
    assert export_event(Abstract.objects.get().event) == exported


def printed_text(path: Path) -> str:
    """The PDF's text, without the zero-width characters (marks and joiners draw no glyph to extract)."""
    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def letters_of(value: str) -> str:
    return "".join(ch for ch in value if unicodedata.category(ch) not in ("Mn", "Cf"))


def visible(value: str) -> str:
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cf")


EMOJI_SEQUENCES = ("👩\u200d🔬", "🇩🇪", "🇯🇵", "👋🏽")  # a ZWJ sequence, two flags, a skin tone
CJK_WORDS = tuple((CJK + " " + CJK_AFFILIATION + " 王 小明").split())


def glyph_texts(path: Path) -> dict[str, set[str]]:
    """Per embedded font (by name, without the subset tag), what its glyphs stand for: its Unicode map."""
    texts: dict[str, set[str]] = {}
    with pikepdf.open(path) as pdf:
        stack = [page.obj.get("/Resources") for page in pdf.pages]
        while stack:
            resources = stack.pop()
            if resources is None:
                continue
            for font in resources.get("/Font", {}).values():
                name = str(font.get("/BaseFont", "")).split("+")[-1]
                unicode_map = font.ToUnicode.read_bytes() if "/ToUnicode" in font else b""
                for section in re.findall(rb"beginbfchar(.*?)endbfchar", unicode_map, re.DOTALL):
                    for _glyph, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", section):
                        texts.setdefault(name, set()).add(bytes.fromhex(text.decode()).decode("utf-16-be"))
            stack.extend(form.get("/Resources") for form in resources.get("/XObject", {}).values())
    return texts


def inked_boxes(path: Path, tmp_path: Path, words: tuple[str, ...]) -> dict[str, list[float]]:
    """Where the PDF sets each of ``words`` (as pdftotext finds them), how much ink the rendered page has
    there: per word, for each place, the share of the box's pixels that are not white (0 for a blank)."""
    words_by_page = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"],
        capture_output=True,
        encoding="utf-8",
        errors="replace",
        check=True,
    ).stdout.split("<page ")[1:]
    found: dict[str, list[float]] = {word: [] for word in words}
    dpi = 100
    for number, page in enumerate(words_by_page, 1):
        boxes = [
            (html.unescape(text), tuple(round(float(value) * dpi / 72) for value in box))
            for *box, text in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page
            )
        ]
        if not any(text in found for text, _box in boxes):
            continue
        image = tmp_path / f"page-{number}"
        page_range = ["-f", str(number), "-l", str(number)]
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", "-singlefile", *page_range, path, image], check=True
        )
        pixels = Image.open(f"{image}.png").convert("L")
        for text, box in boxes:
            if text in found:
                crop = pixels.crop(box)
                found[text].append(sum(crop.histogram()[:224]) / max(1, crop.width * crop.height))
    return found


def test_the_pdf_prints_emoji_cjk_right_to_left_combining_and_non_bmp_text(tmp_path):
    import_event(unicode_exchange(), publish=True)
    out = tmp_path / "book.pdf"
    call_command("build_book", "unicode", "-o", str(out), "--processes", "1", stdout=StringIO())
    if keep := __import__("os").environ.get("KEEP_UNICODE_PDF"):
        Path(keep).write_bytes(out.read_bytes())

    text = unicodedata.normalize("NFC", printed_text(out))
    for value in (ARABIC, COMBINING, PERSIAN, "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", *CJK_WORDS):
        assert unicodedata.normalize("NFC", visible(value)) in text, value
    # Hebrew points come back from the PDF's text in another order (each cluster is one glyph run):
    # the letters are compared; the points are checked on the rendered page (docs in the report).
    assert letters_of(HEBREW) in letters_of(text)
    # The letters around the emoji and the ideograph are all there, on every page that has them
    # (contents, abstract, keyword index): a character without a glyph blanks itself, nothing else.
    assert text.count("Renée Zöe Nguyễn") >= 3
    assert "Lab" in text and "team" in text

    # Each emoji sequence is one glyph of the emoji font (its ligatures shaped it), each CJK character
    # a glyph of the CJK font: drawn from fonts that have them, not numbered past a font's glyphs.
    fonts = glyph_texts(out)
    assert set(EMOJI_SEQUENCES) <= fonts.get("Book-Emoji", set()), sorted(fonts)
    assert set("".join(CJK_WORDS)) <= fonts.get("Book-CJK", set()), sorted(fonts)
    # And they leave ink on the page wherever they are set: the running header, the contents, the
    # abstract's title, affiliations and text, the keywords and both indexes.
    # (Blank, as with the fonts before, a box has at most a neighbour's edge in it: under 0.06.)
    ink = inked_boxes(out, tmp_path, (*EMOJI_SEQUENCES, *CJK_WORDS))
    for word, places in ink.items():
        assert places and min(places) > 0.1, (word, places)
    for word in (*EMOJI_SEQUENCES, *CJK.split()):
        assert len(ink[word]) >= 4, (word, ink[word])  # contents, title, keywords, keyword index, …
