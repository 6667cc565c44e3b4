"""Laying out one part of the book (a slice of abstracts, an index, the front matter, the running header).

These functions take HTML and paths, not database rows, so they run the same in the web
process, in a local process pool and in Celery workers on other machines. A part is stored
under the hash of everything that decides its look (``part_key``); a part already stored is
never laid out again, which is what makes a rebuild after a small edit quick.

Every part is laid out with the book's stylesheets (``static/book/book.css`` and
``print.css``), parsed once per process together with the bundled fonts they declare
(``book_styles``): a new font configuration per part would also start every part with
cold font and shaping caches.
"""

import gc
import hashlib
import json
import logging
import os
import pickle
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from books.fetcher import BOOK_BASE_URL, BookURLFetcher

log = logging.getLogger(__name__)

# Anchors the assembler needs: abstracts, their authors and keywords, the index headings.
ANCHOR_PREFIXES = ("abstract-", "author-index", "keyword-index")
FORMAT_VERSION = "7"  # bump when the assembler's expectations of a part change


@dataclass(frozen=True)
class Part:
    key: str
    pages: int
    anchors: dict[str, int] = field(default_factory=dict)  # anchor → page index within the part
    # Links to anchors in other parts, one per line an <a> takes: (page index, anchor, (left, top, right,
    # bottom) in CSS px from the top left; WeasyPrint's Page.links gives corners, though its docstring
    # says width and height). The contents' page numbers and dot leaders go on each entry's last line.
    links: tuple[tuple[int, str, tuple[float, float, float, float]], ...] = ()
    refused: tuple[str, ...] = ()  # URLs the fetcher refused while laying this part out

    def pdf_path(self, cache_dir: Path) -> Path:
        return Path(cache_dir) / f"{self.key}.pdf"


BOOK_STYLESHEETS = ("book.css", "print.css")


@dataclass(frozen=True)
class BookStyles:
    stylesheets: tuple[CSS, ...]
    font_config: FontConfiguration


_styles: dict[tuple, BookStyles] = {}


def book_styles(static_dir: Path) -> BookStyles:
    """The book's stylesheets and the fonts they declare, parsed once per process (again if a stylesheet
    changes; a new font file comes with a deploy, which starts new processes)."""
    static_dir = Path(static_dir)
    files = [static_dir / name for name in BOOK_STYLESHEETS]
    version = (str(static_dir), *((path.stat().st_mtime_ns, path.stat().st_size) for path in files))
    styles = _styles.get(version)
    if styles is None:
        font_config = FontConfiguration()
        fetcher = BookURLFetcher(static_dir=static_dir)
        stylesheets = tuple(
            CSS(url=f"{BOOK_BASE_URL}static/book/{path.name}", url_fetcher=fetcher, font_config=font_config)
            for path in files
        )
        _styles.clear()
        styles = _styles[version] = BookStyles(stylesheets, font_config)
    return styles


# Exercises the fonts, styles and shaping that every part uses, so that the caches behind them are
# warm in a pool process before the processes forked from it lay out real parts.
_WARM_UP_HTML = """<!doctype html><html lang="en"><body class="book book-pdf book-body layout-page">
<h2 class="session-heading">Session</h2><article class="abstract"><header class="abstract-head">
<p class="abstract-code">PS01</p><h1 class="abstract-title">A title with σ and CO<sub>2</sub></h1>
<p class="abstract-authors"><span class="author presenting"><u>Anna Müller</u><sup>1</sup></span>,
<span class="author">Tomáš Dvořák<sup>1,2</sup></span></p><ol class="abstract-affiliations"><li value="1">
<sup>1</sup> Institute, Jülich</li></ol></header><div class="abstract-text"><p>Text with <i>italic</i>,
<b>bold</b>, 10<sup>20</sup> and 0.3 μm.</p></div><p class="abstract-keywords">Keywords: a, b</p></article>
</body></html>"""


def warm_up(static_dir: Path) -> None:
    """Run first in each new pool process: import WeasyPrint, parse the book's styles and lay out a small
    sample, before work arrives. Pool processes import this module, not Django: nothing here may touch
    models or settings. A failure here only costs speed, so it is logged and the process goes on."""
    try:
        styles = book_styles(static_dir)
        HTML(
            string=_WARM_UP_HTML, base_url=BOOK_BASE_URL, url_fetcher=BookURLFetcher(static_dir=static_dir)
        ).render(stylesheets=list(styles.stylesheets), font_config=styles.font_config).write_pdf()
        gc.collect()
    except Exception:
        log.exception("warming up a book layout process failed")


def ready() -> None:
    """A task that does nothing: submitted to start a pool process (and its warm-up) before work arrives."""


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
        links=tuple((index, target, tuple(rect)) for index, target, rect in data.get("links", ())),
        refused=tuple(data.get("refused", ())),
    )


def render_part(*, key: str, html: str, cache_dir: Path, static_dir: Path, media_dir: Path | None) -> Part:
    """Lay out ``html`` to a PDF stored as ``cache_dir/key.pdf``, unless it is stored already."""
    existing = stored_part(Path(cache_dir), key)
    if existing is not None:
        return existing
    with cyclic_gc_paused():
        return _lay_out_and_store(
            key=key, html=html, cache_dir=Path(cache_dir), static_dir=static_dir, media_dir=media_dir
        )


class PartProcessFailed(RuntimeError):
    """The process laying out a part ended without storing it and without saying why (it was killed)."""


def render_part_forked(
    *, key: str, html: str, cache_dir: Path, static_dir: Path, media_dir: Path | None
) -> Part:
    """``render_part`` in a process forked from this one, for the pool processes of a local build.

    The child starts with this process's parsed styles and warm font caches, and exits without
    collecting or freeing the millions of objects a layout leaves (Python's cyclic collector would
    spend about a tenth of a second per slice on them). An error in the child is raised here.
    """
    existing = stored_part(Path(cache_dir), key)
    if existing is not None:
        return existing
    if not hasattr(os, "fork"):
        return render_part(
            key=key, html=html, cache_dir=cache_dir, static_dir=static_dir, media_dir=media_dir
        )
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: lay out, store, report an error if any, and leave without clean-up
        code = 1
        try:
            os.close(read_end)
            gc.disable()
            _lay_out_and_store(
                key=key, html=html, cache_dir=Path(cache_dir), static_dir=static_dir, media_dir=media_dir
            )
            code = 0
        except BaseException as error:
            try:
                report = pickle.dumps(error)
            except Exception:
                report = pickle.dumps(RuntimeError(f"{type(error).__name__}: {error}"))
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(report)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        report = pipe.read()
    _, status = os.waitpid(pid, 0)
    if report:
        try:
            error = pickle.loads(report)  # noqa: S301 (written by our own child, on a pipe only it holds)
        except Exception:
            error = PartProcessFailed(f"laying out part {key} failed, and the error could not be read")
        raise error
    part = stored_part(Path(cache_dir), key)
    if status != 0 or part is None:
        raise PartProcessFailed(f"the process laying out part {key} ended with status {status}")
    return part


def _lay_out_and_store(
    *, key: str, html: str, cache_dir: Path, static_dir: Path, media_dir: Path | None
) -> Part:
    styles = book_styles(static_dir)
    fetcher = BookURLFetcher(static_dir=static_dir, media_dir=media_dir)
    with _quiet_about_links_to_other_parts():
        document = HTML(string=html, base_url=BOOK_BASE_URL, url_fetcher=fetcher).render(
            stylesheets=list(styles.stylesheets), font_config=styles.font_config
        )
        anchors: dict[str, int] = {}
        links = []
        for index, page in enumerate(document.pages):
            # Ids, and in the body bookmarks (static/book/print.css: data-anchor).
            names = [*page.anchors, *(label for _level, label, _position, _state in page.bookmarks)]
            for name in names:
                if name.startswith(ANCHOR_PREFIXES):
                    anchors.setdefault(name, index)
            for link_type, target, rectangle, box in page.links:
                # WeasyPrint links every box inside the <a> too; the <a>'s own box covers each line.
                if (
                    link_type == "internal"
                    and box.element_tag == "a"
                    and target.startswith(ANCHOR_PREFIXES)
                    and target not in anchors
                ):
                    links.append((index, target, tuple(round(value, 2) for value in rectangle)))
        # Subsets keep the fonts' glyph ids; the assembler swaps them for one whole copy of each font.
        pdf = document.write_pdf()
    part = Part(
        key=key,
        pages=len(document.pages),
        anchors=anchors,
        links=tuple(links),
        refused=tuple(fetcher.refused),
    )
    cache_dir.mkdir(parents=True, exist_ok=True)
    _write_atomically(cache_dir / f"{key}.pdf", pdf)
    meta = {
        "pages": part.pages,
        "anchors": anchors,
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
