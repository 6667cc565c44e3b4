"""Laying out one part of the book (a slice of abstracts, an index, the front matter, the running header).

These functions take HTML and paths, not database rows, so they run the same in the web
process, in a local process pool and in Celery workers on other machines. A part is stored
under the hash of everything that decides its look (``part_key``); a part already stored is
never laid out again, which is what makes a rebuild after a small edit quick.
"""

import gc
import hashlib
import json
import logging
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from weasyprint import HTML

from books.fetcher import BOOK_BASE_URL, BookURLFetcher

# Anchors the assembler needs: abstracts, their authors and keywords, the index headings.
ANCHOR_PREFIXES = ("abstract-", "author-index", "keyword-index")
FORMAT_VERSION = "4"  # bump when the assembler's expectations of a part change


@dataclass(frozen=True)
class Part:
    key: str
    pages: int
    anchors: dict[str, int] = field(default_factory=dict)  # anchor → page index within the part
    # Placeholders where a number is set in after layout: anchor → (page index, right, top) in CSS px.
    stamps: dict[str, tuple[int, float, float]] = field(default_factory=dict)
    # Where a contents title ends, for the dot leader set in after it: anchor → (page index, left) in CSS px.
    leaders: dict[str, tuple[int, float]] = field(default_factory=dict)
    # Links to anchors in other parts: (page index, anchor, (left, top, right, bottom) in CSS px from the
    # top left; WeasyPrint's Page.links gives corners, though its docstring says width and height).
    links: tuple[tuple[int, str, tuple[float, float, float, float]], ...] = ()
    refused: tuple[str, ...] = ()  # URLs the fetcher refused while laying this part out

    def pdf_path(self, cache_dir: Path) -> Path:
        return Path(cache_dir) / f"{self.key}.pdf"


def warm_up() -> None:
    """Run first in each new pool process, so that importing WeasyPrint happens before work arrives.

    Pool processes import this module, not Django, so nothing here may touch models or settings.
    """


def style_fingerprint(static_dir: Path) -> str:
    """A hash of the book's stylesheets and fonts: a change to any of them lays everything out anew."""
    digest = hashlib.sha256(FORMAT_VERSION.encode())
    for path in sorted(Path(static_dir).rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(static_dir)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def part_key(kind: str, html: str, fingerprint: str) -> str:
    return f"{kind}-" + hashlib.sha256(f"{fingerprint}\n{html}".encode()).hexdigest()[:40]


def stored_part(cache_dir: Path, key: str) -> Part | None:
    meta = Path(cache_dir) / f"{key}.json"
    if not meta.is_file() or not (Path(cache_dir) / f"{key}.pdf").is_file():
        return None
    data = json.loads(meta.read_text())
    return Part(
        key=key,
        pages=data["pages"],
        anchors=data["anchors"],
        stamps={name: tuple(value) for name, value in data.get("stamps", {}).items()},
        leaders={name: tuple(value) for name, value in data.get("leaders", {}).items()},
        links=tuple((index, target, tuple(rect)) for index, target, rect in data.get("links", ())),
        refused=tuple(data.get("refused", ())),
    )


def render_part(*, key: str, html: str, cache_dir: Path, static_dir: Path, media_dir: Path | None) -> Part:
    """Lay out ``html`` to a PDF stored as ``cache_dir/key.pdf``, unless it is stored already."""
    cache_dir = Path(cache_dir)
    existing = stored_part(cache_dir, key)
    if existing is not None:
        return existing
    fetcher = BookURLFetcher(static_dir=static_dir, media_dir=media_dir)
    with _quiet_about_links_to_other_parts(), cyclic_gc_paused():
        document = HTML(string=html, base_url=BOOK_BASE_URL, url_fetcher=fetcher).render()
        anchors: dict[str, int] = {}
        stamps: dict[str, tuple[int, float, float]] = {}
        leaders: dict[str, tuple[int, float]] = {}
        links = []
        for index, page in enumerate(document.pages):
            for name, (left, top, right, _bottom) in page.anchors.items():
                if name.startswith(ANCHOR_PREFIXES):
                    anchors.setdefault(name, index)
                elif name.startswith("stamp-"):
                    stamps[name] = (index, round(right, 3), round(top, 3))
                elif name.startswith("leader-"):
                    leaders[name] = (index, round(left, 3))
            for link_type, target, rectangle, _box in page.links:
                if link_type == "internal" and target.startswith(ANCHOR_PREFIXES) and target not in anchors:
                    links.append((index, target, tuple(round(value, 2) for value in rectangle)))
        # Subsets keep the fonts' glyph ids; the assembler swaps them for one whole copy of each font.
        pdf = document.write_pdf()
    part = Part(
        key=key,
        pages=len(document.pages),
        anchors=anchors,
        stamps=stamps,
        leaders=leaders,
        links=tuple(links),
        refused=tuple(fetcher.refused),
    )
    cache_dir.mkdir(parents=True, exist_ok=True)
    _write_atomically(cache_dir / f"{key}.pdf", pdf)
    meta = {
        "pages": part.pages,
        "anchors": anchors,
        "stamps": stamps,
        "leaders": leaders,
        "links": links,
        "refused": list(part.refused),
    }
    _write_atomically(cache_dir / f"{key}.json", json.dumps(meta).encode())
    return part


@contextmanager
def cyclic_gc_paused():
    """Laying out a part, or planning a book, allocates millions of short-lived objects, and Python's
    cyclic garbage collector would walk them (and everything else alive) hundreds of times: about a
    sixth of a part's CPU time and half of planning's, measured with benchmarks/book.py. The work is
    bounded in size, so its garbage is left until it is done and then collected in one pass (it is
    all in the youngest generation). Usable as a decorator."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.collect(0)


class _LinksToOtherParts(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("No anchor #")


@contextmanager
def _quiet_about_links_to_other_parts():
    """Contents lines link to abstracts laid out in other parts; the assembler makes those links."""
    weasyprint_log = logging.getLogger("weasyprint")
    quiet = _LinksToOtherParts()
    weasyprint_log.addFilter(quiet)
    try:
        yield
    finally:
        weasyprint_log.removeFilter(quiet)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write next to the target and rename: a reader sees the whole file or none."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
