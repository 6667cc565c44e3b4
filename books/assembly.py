"""Putting the laid-out parts together into the one PDF that is printed.

Body and index pages were laid out on right-hand (recto) margins with no running header
or folio, so that a part looks the same wherever it lands; an index part's pages are its
columns, set two to a page here. Each numbered page is moved to left-hand margins when it
falls on an even page, gets the running header laid over it and its page number set in;
the contents get their page numbers and dot leaders; the subsets of the bundled fonts that
every part embeds are replaced by one whole copy of each font.
"""

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pikepdf
from fontTools.ttLib import TTFont
from pikepdf import Array, Dictionary, Name, Rectangle

from books.rendering import Part

MM = 72 / 25.4
INNER_MARGIN_MM = 24  # static/book/print.css: @page margin-left of a recto page
OUTER_MARGIN_MM = 18
FOLIO_FROM_BOTTOM_MM = 13  # baseline of the page number
FOLIO_SIZE_PT = 9
FOLIO_FONT = "NotoSerif-Regular"
INDEX_COLUMN_SHIFT_MM = 88  # static/book/print.css: an index column is 80 mm wide, 8 mm from the next
CSS_PX = 0.75  # points per CSS pixel
CONTENTS_SIZE_PT = 9.5  # static/book/print.css: html font-size and line-height
CONTENTS_LINE_HEIGHT = 1.42
CONTENTS_NUMBER_ROOM_EM = 2.6  # static/book/print.css: .contents-entry padding-right, room for the number


@dataclass(frozen=True)
class OutlineEntry:
    title: str
    page: int  # arabic page number, or 0 for the first page of the contents
    children: tuple["OutlineEntry", ...] = ()


@dataclass(frozen=True)
class Stamp:
    """A contents entry's page number, set in at the right of the entry's last line (the entry's padding
    leaves room for it), with a dot leader from where the title ends on that line."""

    part_page: int  # page index within the front matter
    line_top_y: float  # CSS px from the top of the page: top of the entry's last line
    title_end_x: float  # CSS px from the left: where the title ends on that line
    text: str


def contents_stamps(front: Part, numbers: dict[str, int]) -> list[Stamp]:
    """The page number of every contents entry, placed by the last line its link takes (the lowest
    on its page: an entry is never split between pages)."""
    last_lines: dict[str, tuple[int, tuple[float, float, float, float]]] = {}
    for index, target, rectangle in front.links:
        known = last_lines.get(target)
        if known is None or (index, rectangle[3]) > (known[0], known[1][3]):
            last_lines[target] = (index, rectangle)
    return [
        Stamp(index, top, right, str(numbers[target]))
        for target, (index, (_left, top, right, _bottom)) in last_lines.items()
    ]


@dataclass(frozen=True)
class Layout:
    """Where things land: front matter is numbered i, ii …; the body starts at 1 on a right-hand page,
    the author index follows, the keyword index starts on the next right-hand page."""

    front_pages: int  # including the blank page that makes it even
    body_pages: int  # including the blank page that makes it even
    author_pages: int  # including the blank page that makes it even
    keyword_pages: int

    @property
    def author_start(self) -> int:
        return self.body_pages + 1

    @property
    def keyword_start(self) -> int:
        return self.body_pages + self.author_pages + 1

    @property
    def numbered_pages(self) -> int:
        return self.body_pages + self.author_pages + self.keyword_pages

    @property
    def total_pages(self) -> int:
        return self.front_pages + self.numbered_pages

    def index_of(self, number: int) -> int:
        """The 0-based position in the PDF of arabic page ``number``."""
        return self.front_pages + number - 1


def even(count: int) -> int:
    return count + count % 2


def index_pages(part: Part) -> int:
    """Printed pages of an index part: its pages are columns, set two to a page."""
    return (part.pages + 1) // 2


def assemble(
    *,
    out_path: Path,
    cache_dir: Path,
    front: Part,
    body: list[Part],
    author_index: list[Part],
    keyword_index: Part,
    header: Part,
    layout: Layout,
    stamps: list[Stamp],
    anchor_pages: dict[str, int],
    outline: list[OutlineEntry],
    title: str,
    font_dir: Path,
) -> int:
    """Write the book to ``out_path``; returns its number of pages."""
    cache_dir = Path(cache_dir)
    pdf = pikepdf.new()
    opened = []

    def open_part(part: Part) -> pikepdf.Pdf:
        source = pikepdf.open(part.pdf_path(cache_dir))
        opened.append(source)
        return source

    try:
        front_pdf = open_part(front)
        pdf.pages.extend(front_pdf.pages)
        width, height = (float(value) for value in front_pdf.pages[0].mediabox[2:4])
        if front.pages % 2:
            pdf.add_blank_page(page_size=(width, height))

        numbered: list[bool] = []  # per arabic page: True if it gets running header and folio

        def add(part: Part) -> None:
            pdf.pages.extend(open_part(part).pages)
            numbered.extend([True] * part.pages)

        def add_index(part: Part) -> None:
            """Two column pages of the index side by side on each page: the first as it is, the
            second laid over it one column and gap to the right."""
            columns = open_part(part).pages
            shift = INDEX_COLUMN_SHIFT_MM * MM
            for left in range(0, len(columns), 2):
                pdf.pages.append(columns[left])
                if left + 1 < len(columns):
                    right = pdf.copy_foreign(columns[left + 1].as_form_xobject())
                    pdf.pages[-1].add_overlay(right, Rectangle(shift, 0, shift + width, height))
                numbered.append(True)

        def pad_to_even() -> None:  # the next part starts on a right-hand page
            if len(numbered) % 2:
                pdf.add_blank_page(page_size=(width, height))
                numbered.append(False)

        for part in body:
            add(part)
        pad_to_even()
        for part in author_index:
            add_index(part)
        pad_to_even()
        add_index(keyword_index)
        if len(pdf.pages) != layout.total_pages:
            raise ValueError(f"assembled {len(pdf.pages)} pages where the layout has {layout.total_pages}")

        header_pdf = open_part(header)
        running_headers = [pdf.copy_foreign(page.as_form_xobject()) for page in header_pdf.pages[:2]]
        shift = f"q 1 0 0 1 {-(INNER_MARGIN_MM - OUTER_MARGIN_MM) * MM:.4f} 0 cm\n".encode()
        for number, has_furniture in enumerate(numbered, 1):
            if not has_furniture:
                continue
            page = pdf.pages[layout.index_of(number)]
            if number % 2 == 0:
                page.contents_add(shift, prepend=True)
                page.contents_add(b"\nQ")
            page.add_overlay(running_headers[(number + 1) % 2])

        fonts = _use_whole_bundled_fonts(pdf, bundled_fonts(font_dir))
        folio = _Typesetter(pdf, fonts[FOLIO_FONT], bundled_fonts(font_dir)[FOLIO_FONT], FOLIO_SIZE_PT)
        for number, has_furniture in enumerate(numbered, 1):
            if has_furniture:
                page = pdf.pages[layout.index_of(number)]
                baseline = FOLIO_FROM_BOTTOM_MM * MM
                if number % 2:
                    folio.right_aligned(page, str(number), width - OUTER_MARGIN_MM * MM, baseline)
                else:
                    folio.left_aligned(page, str(number), OUTER_MARGIN_MM * MM, baseline)
        folio.finish()
        contents = _Typesetter(pdf, fonts[FOLIO_FONT], bundled_fonts(font_dir)[FOLIO_FONT], CONTENTS_SIZE_PT)
        for stamp in stamps:
            page = pdf.pages[stamp.part_page]
            # The link's box is as high as the line; the entry ends at the right margin, the outer one
            # on a right-hand page (page 0 of the front matter is the cover).
            baseline = (
                height - stamp.line_top_y * CSS_PX - contents.baseline_below_line_top(CONTENTS_LINE_HEIGHT)
            )
            right = width - (OUTER_MARGIN_MM if stamp.part_page % 2 == 0 else INNER_MARGIN_MM) * MM
            contents.right_aligned(page, stamp.text, right, baseline)
            leader_end = right - CONTENTS_NUMBER_ROOM_EM * CONTENTS_SIZE_PT
            contents.dot_leader(page, stamp.title_end_x * CSS_PX, leader_end, baseline)
        contents.finish()

        _link_contents(pdf, front, layout, anchor_pages, height)
        _label_pages(pdf, layout)
        _add_outline(pdf, outline, layout)
        pdf.docinfo["/Title"] = title
        pdf.docinfo["/Creator"] = "abstractbook (WeasyPrint, pikepdf)"
        out_path.parent.mkdir(parents=True, exist_ok=True)
        pdf.save(
            out_path,
            compress_streams=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            deterministic_id=True,
        )
        return len(pdf.pages)
    finally:
        for source in opened:
            source.close()
        pdf.close()


class _Typesetter:
    """Sets short runs of text (page numbers, dot leaders) in a bundled font straight into pages.

    What is set on a page is written as one content stream when ``finish`` is called, fenced off
    from the page's own drawing (WeasyPrint leaves its coordinate transform in place).
    """

    def __init__(self, pdf: pikepdf.Pdf, font: pikepdf.Object, whole: "BundledFont", size: float) -> None:
        self.font, self.whole, self.size = font, whole, size
        self._runs: dict[tuple[int, int], tuple[pikepdf.Page, list[str]]] = {}

    def width(self, text: str) -> float:
        return sum(self.whole.widths[self.whole.glyph_ids[char]] for char in text) * self.size / 1000

    def baseline_below_line_top(self, line_height: float) -> float:
        ascent, descent = self.whole.ascent, self.whole.descent  # per 1000 units
        half_leading = (line_height * 1000 - (ascent + descent)) / 2
        return (half_leading + ascent) * self.size / 1000

    def left_aligned(self, page: pikepdf.Page, text: str, x: float, baseline: float) -> None:
        glyphs = "".join(f"{self.whole.glyph_ids[char]:04x}" for char in text)
        runs = self._runs.setdefault(page.obj.objgen, (page, []))[1]
        runs.append(f"BT /Folio {self.size} Tf {x:.3f} {baseline:.3f} Td <{glyphs}> Tj ET")

    def right_aligned(self, page: pikepdf.Page, text: str, right: float, baseline: float) -> None:
        self.left_aligned(page, text, right - self.width(text), baseline)

    def dot_leader(self, page: pikepdf.Page, start: float, end: float, baseline: float) -> None:
        """Dots from a space after ``start`` to ``end``, placed as CSS ``leader(". ")`` places them:
        counted back from ``end``, so that the dots of every line stand in the same columns."""
        step = self.width(". ")
        count = int((end - start - self.width(" ")) // step)
        if count > 0:
            self.left_aligned(page, ". " * count, end - count * step, baseline)

    def finish(self) -> None:
        for page, runs in self._runs.values():
            if "/Resources" not in page.obj:
                page.obj.Resources = Dictionary()
            if "/Font" not in page.obj.Resources:
                page.obj.Resources.Font = Dictionary()
            page.obj.Resources.Font.Folio = self.font
            page.contents_add(b"q\n", prepend=True)
            page.contents_add(("\nQ\nq " + "\n".join(runs) + " Q").encode())
        self._runs.clear()


@dataclass(frozen=True)
class BundledFont:
    """One of the book's bundled fonts, whole, with the widths and Unicode map of every glyph."""

    postscript_name: str
    data: bytes
    widths: tuple[int, ...]
    letters: dict[int, str]  # glyph id → the text it stands for, from the font's character map
    glyph_ids: dict[str, int]  # for the digits, dots and the few characters stamped after layout
    ascent: float  # per 1000 units of the font size, as line heights are computed
    descent: float


@lru_cache(maxsize=8)
def _load_bundled_font(path: str, modified: float) -> BundledFont:
    font = TTFont(path)
    scale = 1000 / font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    widths = tuple(round(metrics[name][0] * scale) for name in font.getGlyphOrder())
    first_letter: dict[int, int] = {}
    for codepoint, name in sorted(font.getBestCmap().items()):
        first_letter.setdefault(font.getGlyphID(name), codepoint)
    cmap = font.getBestCmap()
    return BundledFont(
        postscript_name=font["name"].getDebugName(6),
        data=Path(path).read_bytes(),
        widths=widths,
        letters={gid: chr(codepoint) for gid, codepoint in first_letter.items()},
        glyph_ids={char: font.getGlyphID(cmap[ord(char)]) for char in "0123456789ivxlcdm. "},
        ascent=font["hhea"].ascent * scale,
        descent=-font["hhea"].descent * scale,
    )


def _to_unicode_cmap(letters: dict[int, str]) -> bytes:
    lines = [
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        b"1 begincodespacerange <0000> <ffff> endcodespacerange",
    ]
    items = sorted(letters.items())
    for start in range(0, len(items), 100):
        batch = items[start : start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines.extend(f"<{gid:04x}> <{text.encode('utf-16-be').hex()}>".encode() for gid, text in batch)
        lines.append(b"endbfchar")
    lines.append(b"endcmap CMapName currentdict /CMap defineresource pop end end")
    return b"\n".join(lines)


_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


def _letters_of(to_unicode: pikepdf.Object) -> dict[int, str]:
    """The glyph-to-text pairs of a part's Unicode map: WeasyPrint knows what each glyph it set
    stands for, ligatures included ("fi"), which a font's character map alone does not say."""
    letters = {}
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", to_unicode.read_bytes(), re.DOTALL):
        for gid, text in _BFCHAR.findall(section):
            letters[int(gid, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be", errors="replace")
    return letters


def bundled_fonts(font_dir: Path) -> dict[str, BundledFont]:
    fonts = {}
    for path in sorted(Path(font_dir).glob("*.ttf")):
        font = _load_bundled_font(str(path), path.stat().st_mtime)
        fonts[font.postscript_name] = font
    return fonts


def _use_whole_bundled_fonts(pdf: pikepdf.Pdf, bundled: dict[str, BundledFont]) -> dict[str, pikepdf.Object]:
    """Replace each part's subset of a bundled font by one whole copy of that font.

    WeasyPrint subsets fonts keeping the original glyph ids, so every part's text draws
    the same glyph ids; one whole font with the widths and Unicode map of all its glyphs
    serves them all. Fonts that are not bundled (system fallbacks) keep their subsets.
    Returns the whole fonts by PostScript name.
    """
    canonical: dict[str, pikepdf.Object] = {}
    names: dict[tuple[int, int], str | None] = {}
    letters: dict[str, dict[int, str]] = {}
    read_maps: set[tuple[int, int]] = set()

    def postscript_name(font: pikepdf.Object) -> str | None:
        descendants = font.get("/DescendantFonts")
        descriptor = descendants[0].get("/FontDescriptor") if descendants else None
        file = descriptor.get("/FontFile2") if descriptor is not None else None
        if file is None:
            return None
        if file.objgen not in names:
            try:
                names[file.objgen] = TTFont(io.BytesIO(file.read_bytes()), lazy=True)["name"].getDebugName(6)
            except Exception:  # a font we cannot read is left as it is
                names[file.objgen] = None
        return names[file.objgen]

    def make_canonical(font: pikepdf.Object, whole: BundledFont) -> pikepdf.Object:
        descendant = font.DescendantFonts[0]
        descriptor = descendant.FontDescriptor
        descriptor.FontFile2 = pdf.make_stream(whole.data, Length1=len(whole.data))
        if "/CIDSet" in descriptor:
            del descriptor["/CIDSet"]
        descendant.W = Array([0, Array(whole.widths)])
        # A part with characters its font lacks (an emoji, a CJK ideograph) gets from WeasyPrint an
        # encoding that lists only that part's glyphs; kept on the whole font, it would blank every
        # other part's letters. Glyph ids are the font's own, so the identity is right for all parts
        # (WeasyPrint numbers the lacking characters past the font's glyphs: they print as nothing).
        font.Encoding = Name("/Identity-H")
        return font

    seen: set[tuple[int, int]] = set()

    def resources_of(pages) -> Iterator[pikepdf.Dictionary]:
        """Every resource dictionary of the pages and of the forms they draw, each once."""
        stack = [page.obj.get("/Resources") for page in pages]
        while stack:
            resources = stack.pop()
            if resources is None or (resources.is_indirect and resources.objgen in seen):
                continue
            if resources.is_indirect:
                seen.add(resources.objgen)
            yield resources
            for xobject in resources.get("/XObject", Dictionary()).values():
                if xobject.get("/Subtype") == Name.Form:
                    stack.append(xobject.get("/Resources"))

    for resources in resources_of(pdf.pages):
        fonts = resources.get("/Font")
        if fonts is None:
            continue
        for key in list(fonts.keys()):
            font = fonts[key]
            if not font.is_indirect or font.get("/Subtype") != Name.Type0:
                continue
            name = postscript_name(font)
            if name not in bundled:
                continue
            to_unicode = font.get("/ToUnicode")
            if to_unicode is not None and to_unicode.objgen not in read_maps:
                read_maps.add(to_unicode.objgen)
                letters.setdefault(name, dict(bundled[name].letters)).update(_letters_of(to_unicode))
            if name not in canonical:
                canonical[name] = make_canonical(font, bundled[name])
            elif canonical[name].objgen != font.objgen:
                fonts[key] = canonical[name]
    for name, font in canonical.items():
        font.ToUnicode = pdf.make_stream(_to_unicode_cmap(letters.get(name, bundled[name].letters)))
    return canonical


def _link_contents(pdf: pikepdf.Pdf, front: Part, layout: Layout, anchor_pages: dict, height: float) -> None:
    """Make the contents lines clickable: links to abstracts and indexes laid out in other parts."""
    pages = [page.obj for page in pdf.pages]  # looked up once: indexing pdf.pages per link is slow
    annotations: dict[int, list] = {}
    for index, target, (left, top, right, bottom) in front.links:
        number = anchor_pages.get(target)
        if number is None:
            continue
        rect = [left * CSS_PX, height - bottom * CSS_PX, right * CSS_PX, height - top * CSS_PX]
        annotations.setdefault(index, []).append(
            Dictionary(
                Type=Name.Annot,
                Subtype=Name.Link,
                Rect=Array(rect),
                Border=Array([0, 0, 0]),
                Dest=Array([pages[layout.index_of(number)], Name.Fit]),
            )
        )
    for index, page_annotations in annotations.items():
        page = pages[index]
        if "/Annots" not in page:
            page.Annots = pdf.make_indirect(Array())
        page.Annots.extend(pdf.make_indirect(annotation) for annotation in page_annotations)


def _label_pages(pdf: pikepdf.Pdf, layout: Layout) -> None:
    """Page labels, so that a PDF reader's page box shows the printed numbers (i, ii … then 1, 2 …)."""
    pdf.Root.PageLabels = Dictionary(
        Nums=Array([0, Dictionary(S=Name.r), layout.front_pages, Dictionary(S=Name.D, St=1)])
    )


def _add_outline(pdf: pikepdf.Pdf, entries: list[OutlineEntry], layout: Layout) -> None:
    def item(entry: OutlineEntry) -> pikepdf.OutlineItem:
        index = layout.index_of(entry.page) if entry.page else 1
        outline_item = pikepdf.OutlineItem(entry.title, index)
        outline_item.children.extend(item(child) for child in entry.children)
        return outline_item

    with pdf.open_outline() as outline:
        outline.root.extend(item(entry) for entry in entries)
