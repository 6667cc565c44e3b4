"""WeasyPrint lays the book out from content people typed: nothing in it may make WeasyPrint read a local
file (file:///etc/passwd) or open a connection. Every way HTML and CSS can name a resource is tried,
in a part laid out directly and through every field of an abstract in a whole book; a local socket
records any connection attempt, whatever the protocol."""

import socket
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from abstracts.models import Abstract
from books.rendering import render_part
from books.services import static_dir
from tests.factories import make_abstract, make_event, make_person, make_session

pytestmark = pytest.mark.django_db

PASSWD = Path("/etc/passwd").read_text().splitlines()[0]  # "root:x:0:0:root:/root:/bin/bash"


@pytest.fixture
def listener():
    """A TCP socket on 127.0.0.1 that records every connection made to it (HTTP, TLS or anything)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    connections: list[str] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, address = server.accept()
            except TimeoutError:
                continue
            connection.settimeout(0.5)
            try:
                connections.append(connection.recv(200).decode("latin-1") or f"a connection from {address}")
            except OSError:
                connections.append(f"a connection from {address}")
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = server.getsockname()[1]
    yield port, connections
    stop.set()
    thread.join(timeout=2)
    server.close()


def resource_references(port: int) -> str:
    """Every way a document can name a resource, to the listener and to /etc/passwd."""
    net = f"http://127.0.0.1:{port}"
    tls = f"https://127.0.0.1:{port}"
    svg_passwd = (
        "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' "
        "xmlns:xlink='http://www.w3.org/1999/xlink'><image href='file:///etc/passwd' width='9' height='9'/>"
        f"<image xlink:href='{net}/svg-in-data.png' width='9' height='9'/></svg>"
    )
    css_import = (
        f"data:text/css,@import url({net}/data-import.css); body{{background:url(file:///etc/passwd)}}"
    )
    return f"""
    <base href="{net}/base/">
    <link rel="stylesheet" href="{net}/link.css"><link rel="stylesheet" href="file:///etc/passwd">
    <link rel="stylesheet" href="{css_import}">
    <link rel="icon" href="{net}/icon.png"><link rel="attachment" href="file:///etc/passwd">
    <style>
      @import url("{net}/import.css"); @import "file:///etc/passwd";
      @font-face {{ font-family: Evil; src: url({net}/font.ttf), url(file:///etc/passwd); }}
      body {{ font-family: Evil; background: url(file:///etc/passwd); }}
      p::before {{ content: url({net}/before.png); }}
      ul {{ list-style-image: url({tls}/list.png); }}
      div {{ border-image: url({net}/border.png) 30; cursor: url({net}/cursor.cur), auto; }}
      .mask {{ mask-image: url({net}/mask.png); }}
    </style>
    <p>Look <img src="file:///etc/passwd"> <img src="{net}/img.png"> <img srcset="{net}/srcset.png 2x">
    <picture><source srcset="{net}/source.png"><img src="{tls}/picture.png"></picture>
    <img src="https://book.invalid/static/book/../../../../../../etc/passwd">
    <img src="https://book.invalid/static/book/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd">
    <img src="https://book.invalid/media/..%2f..%2f..%2f..%2f..%2fetc/passwd">
    <img src="https://book.invalid@127.0.0.1:{port}/userinfo.png">
    <img src="http://book.invalid/static/book/book.css"> <img src="//127.0.0.1:{port}/scheme-relative.png">
    <img src="{svg_passwd}">
    <svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><image href="file:///etc/passwd" width="9"
      height="9"/><image href="{net}/inline-svg.png" width="9" height="9"/></svg>
    <object data="file:///etc/passwd"></object><object data="{net}/object.html"></object>
    <embed src="{net}/embed.swf"><iframe src="{net}/frame.html"></iframe>
    <video poster="{net}/poster.png" src="{net}/video.mp4"></video><audio src="{net}/audio.mp3"></audio>
    <input type="image" src="{net}/input.png">
    <span style="background-image: url({net}/style.png)">styled</span>
    <span style="background: url('file:///etc/passwd')">styled again</span>
    <a href="file:///etc/passwd">a link is not fetched</a></p>
    <ul><li>list item</li></ul><div class="mask">masked</div>
    """


def pdf_text(path: Path) -> str:
    return " ".join(page.extract_text() for page in PdfReader(path).pages)


def test_a_part_refuses_every_resource_that_is_not_the_books_own(listener, tmp_path):
    port, connections = listener
    html = (
        '<html><head><link rel="stylesheet" href="static/book/book.css"></head>'
        f'<body class="book">{resource_references(port)}</body></html>'
    )

    part = render_part(
        key="hostile", html=html, cache_dir=tmp_path, static_dir=static_dir(), media_dir=tmp_path
    )

    assert connections == [], "nothing may connect out"
    text = pdf_text(part.pdf_path(tmp_path))
    assert PASSWD not in text and "root:" not in text
    assert "Look" in text and "styled again" in text and "list item" in text, "the rest was laid out"
    refused = "\n".join(part.refused)
    assert "file:///etc/passwd" in refused
    assert f"http://127.0.0.1:{port}/link.css" in refused and f"http://127.0.0.1:{port}/img.png" in refused
    net = f"http://127.0.0.1:{port}"
    expected = {
        "file:///etc/passwd",
        f"{net}/link.css",
        f"{net}/import.css",
        f"{net}/font.ttf",
        f"{net}/before.png",
        f"{net}/img.png",
        f"https://127.0.0.1:{port}/list.png",
        f"{net}/border.png",
        f"{net}/style.png",
        f"{net}/inline-svg.png",
        f"{net}/object.html",
        f"{net}/embed.swf",
        f"{net}/scheme-relative.png",
        f"https://book.invalid@127.0.0.1:{port}/userinfo.png",
        "http://book.invalid/static/book/book.css",
        "https://book.invalid/static/book/../../../../../../etc/passwd",
        "https://book.invalid/static/book/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "https://book.invalid/media/..%2f..%2f..%2f..%2f..%2fetc/passwd",
        # <base> moved the document's own relative links to the listener: refused too.
        f"{net}/base/static/book/book.css",
    }
    assert expected <= set(part.refused), expected - set(part.refused)
    # data: URIs are refused whole: the URLs inside them are never looked at.
    assert sum(url.startswith("data:") for url in part.refused) == 2


def test_every_field_of_an_abstract_that_reaches_the_book_is_printed_without_fetching(listener, tmp_path):
    port, connections = listener
    references = resource_references(port)
    quoted = f'<img src="http://127.0.0.1:{port}/plain.png"><link rel=stylesheet href="file:///etc/passwd">'
    event = make_event(name="Fetch " + quoted, venue=quoted, is_published=True)
    session = make_session(event, "Session " + quoted[:150])
    person = make_person(
        event, first_name=quoted[:150], last_name="Fetcher " + quoted[:140], title=quoted[:60]
    )
    from abstracts.models import Affiliation

    affiliation = Affiliation.objects.create(event=event, name="Institute " + quoted)
    make_abstract(
        event,
        code="PS1",
        session=session,
        title="Fetching " + references[:480],
        text=references + "\n\nSecond paragraph with CO<sub>2</sub>.",
        note=quoted,
        authors=[(person, [affiliation])],
        presenting=0,
        keywords=[quoted[:200], f'<img srcset="http://127.0.0.1:{port}/kw.png 1x">'],
        status=Abstract.Status.ACCEPTED,
    )
    out = tmp_path / "book.pdf"

    call_command("build_book", event.slug, "-o", str(out), "--processes", "1", stdout=StringIO())

    assert connections == []
    text = pdf_text(out)
    assert PASSWD not in text and "root:x" not in text
    assert "Second paragraph with CO" in text
    # Plain fields are printed as typed: the would-be markup is text on the page.
    assert f'Fetcher <img src="http://127.0.0.1:{port}/plain.png">' in " ".join(text.split()).replace(
        "\n", ""
    )
