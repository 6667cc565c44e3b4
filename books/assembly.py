"""Putting the laid-out parts together into the one PDF that is printed.

Body and index pages were laid out on right-hand (recto) margins with no running header
or folio, so that a part looks the same wherever it lands. Here each numbered page is
moved to left-hand margins when it falls on an even page, gets its header and folio laid
over it, and the whole fonts that every part embeds are kept once.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name

from books.rendering import Part

MM = 72 / 25.4
INNER_MARGIN_MM = 24  # static/book/print.css: @page margin-left of a recto page
OUTER_MARGIN_MM = 18
FURNITURE_RUN = 50  # numbered pages per furniture part; runs start at 1, 51, 101 …
CSS_PX = 0.75  # points per CSS pixel


@dataclass(frozen=True)
class OutlineEntry:
    title: str
    page: int  # arabic page number, or 0 for the first page of the contents
    children: tuple["OutlineEntry", ...] = ()


@dataclass(frozen=True)
class Layout:
    """Where things land: front matter is numbered i, ii …; the body starts at 1 on a right-hand page."""

    front_pages: int  # including the blank page that makes it even
    body_pages: int  # including the blank page that makes it even
    back_pages: int

    @property
    def back_start(self) -> int:
        return self.body_pages + 1

    @property
    def numbered_pages(self) -> int:
        return self.body_pages + self.back_pages

    @property
    def total_pages(self) -> int:
        return self.front_pages + self.numbered_pages

    def index_of(self, number: int) -> int:
        """The 0-based position in the PDF of arabic page ``number``."""
        return self.front_pages + number - 1


def even(count: int) -> int:
    return count + count % 2


def furniture_runs(last_number: int) -> list[int]:
    """First page numbers of the furniture parts needed for pages 1 … last_number."""
    return list(range(1, last_number + 1, FURNITURE_RUN))


def assemble(
    *,
    out_path: Path,
    cache_dir: Path,
    front: Part,
    body: list[Part],
    back: Part,
    furniture: dict[int, Part],
    layout: Layout,
    anchor_pages: dict[str, int],
    outline: list[OutlineEntry],
    title: str,
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

        numbered: list[bool] = []  # per arabic page: True if it gets header and folio
        for part in body:
            pdf.pages.extend(open_part(part).pages)
            numbered.extend([True] * part.pages)
        if len(numbered) % 2:
            pdf.add_blank_page(page_size=(width, height))
            numbered.append(False)
        pdf.pages.extend(open_part(back).pages)
        numbered.extend([True] * back.pages)

        runs = {start: open_part(furniture[start]) for start in furniture_runs(len(numbered))}
        shift = f"q 1 0 0 1 {-(INNER_MARGIN_MM - OUTER_MARGIN_MM) * MM:.4f} 0 cm\n".encode()
        for number, has_furniture in enumerate(numbered, 1):
            page = pdf.pages[layout.index_of(number)]
            if not has_furniture:
                continue
            if number % 2 == 0:
                page.contents_add(shift, prepend=True)
                page.contents_add(b"\nQ")
            start = (number - 1) // FURNITURE_RUN * FURNITURE_RUN + 1
            page.add_overlay(runs[start].pages[number - start])

        _link_contents(pdf, front, layout, anchor_pages, height)
        _keep_one_copy_of_each_font(pdf)
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


def _keep_one_copy_of_each_font(pdf: pikepdf.Pdf) -> None:
    """Point every page and overlay at one copy of each identical font; the copies are then not written.

    Each part embeds the whole fonts with widths and a Unicode map for every glyph, so the
    same font is byte for byte the same object in every part.
    """
    canonical: dict[bytes, pikepdf.Object] = {}
    identity: dict[tuple[int, int], bytes] = {}

    def key_of(font: pikepdf.Object) -> bytes:
        if font.objgen in identity:
            return identity[font.objgen]
        digest = hashlib.sha256(str(font.get("/BaseFont")).encode())
        if "/ToUnicode" in font:
            digest.update(font.ToUnicode.read_raw_bytes())
        for descendant in font.get("/DescendantFonts", []):
            digest.update(str(descendant.get("/BaseFont")).encode())
            if "/W" in descendant:
                digest.update(descendant.W.unparse())
            descriptor = descendant.get("/FontDescriptor")
            if descriptor is not None:
                for file_key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if file_key in descriptor:
                        digest.update(descriptor[file_key].read_raw_bytes())
        identity[font.objgen] = key = digest.digest()
        return key

    for obj in pdf.objects:
        holder = obj.stream_dict if isinstance(obj, pikepdf.Stream) else obj
        if not isinstance(holder, pikepdf.Dictionary) or "/Resources" not in holder:
            continue
        fonts = holder.Resources.get("/Font")
        if fonts is None:
            continue
        for name in list(fonts.keys()):
            font = fonts[name]
            if not font.is_indirect or font.get("/Subtype") != Name.Type0:
                continue
            first = canonical.setdefault(key_of(font), font)
            if first.objgen != font.objgen:
                fonts[name] = first


def _link_contents(pdf: pikepdf.Pdf, front: Part, layout: Layout, anchor_pages: dict, height: float) -> None:
    """Make the contents lines clickable: links to abstracts and indexes laid out in other parts."""
    for index, target, (x, y, w, h) in front.links:
        number = anchor_pages.get(target)
        if number is None:
            continue
        page = pdf.pages[index]
        rect = [x * CSS_PX, height - (y + h) * CSS_PX, (x + w) * CSS_PX, height - y * CSS_PX]
        destination = pdf.pages[layout.index_of(number)].obj
        annotation = pdf.make_indirect(
            Dictionary(
                Type=Name.Annot,
                Subtype=Name.Link,
                Rect=Array(rect),
                Border=Array([0, 0, 0]),
                Dest=Array([destination, Name.Fit]),
            )
        )
        if "/Annots" not in page.obj:
            page.obj.Annots = pdf.make_indirect(Array())
        page.obj.Annots.append(annotation)


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
