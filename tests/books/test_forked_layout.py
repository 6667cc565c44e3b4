"""Local builds lay out each part in a process forked from a warmed-up pool process
(``render_part_forked``): the part it stores is the one ``render_part`` stores, and a failure
in the child reaches the build as an error, never as a part silently missing."""

import os
import signal

import pytest
from pypdf import PdfReader

from books import rendering
from books.rendering import PartProcessFailed, render_part, render_part_forked, stored_part, warm_up
from books.services import static_dir

HTML = """<!doctype html><html lang="en"><body class="book book-pdf book-body layout-page">
<article class="abstract" id="abstract-7"><header class="abstract-head"><p class="abstract-code">PS07</p>
<h1 class="abstract-title">Forked layout of σ-bonds</h1></header>
<div class="abstract-text"><p>{text}</p></div></article></body></html>"""


def test_a_forked_child_stores_the_same_part_as_laying_it_out_here(tmp_path):
    html = HTML.format(text="Words and more words. " * 300)
    warm_up(static_dir())
    forked = render_part_forked(
        key="forked", html=html, cache_dir=tmp_path / "a", static_dir=static_dir(), media_dir=None
    )
    here = render_part(
        key="here", html=html, cache_dir=tmp_path / "b", static_dir=static_dir(), media_dir=None
    )

    assert forked.pages == here.pages >= 2
    assert forked.anchors == here.anchors == {"abstract-7": 0}
    assert stored_part(tmp_path / "a", "forked") == forked
    text = "".join(page.extract_text() for page in PdfReader(forked.pdf_path(tmp_path / "a")).pages)
    assert "Forked layout of σ-bonds" in text
    fonts = {
        font["/BaseFont"].split("+")[-1]
        for page in PdfReader(forked.pdf_path(tmp_path / "a")).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert {"Book-Serif", "Book-Serif-Bold"} <= fonts  # the book's own fonts: its styles were applied


def test_an_error_in_the_child_is_raised_in_the_caller(tmp_path):
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder")
    with pytest.raises(OSError):
        render_part_forked(
            key="k",
            html=HTML.format(text="x"),
            cache_dir=in_the_way / "parts",
            static_dir=static_dir(),
            media_dir=None,
        )
    assert not (tmp_path / "a-file" / "parts").exists()


def test_a_child_that_is_killed_fails_the_part(tmp_path, monkeypatch):
    def killed(**kwargs):  # what the kernel's out-of-memory killer does to a child
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(rendering, "_lay_out_and_store", killed)
    with pytest.raises(PartProcessFailed, match="ended with status"):
        render_part_forked(
            key="k", html=HTML.format(text="x"), cache_dir=tmp_path, static_dir=static_dir(), media_dir=None
        )
    assert stored_part(tmp_path, "k") is None
