"""WeasyPrint never reads a local file or calls the network because of what is in an abstract."""

import http.server
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from abstracts.models import Abstract
from books.rendering import render_part
from books.services import parts_dir, static_dir
from tests.factories import make_abstract, make_event, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener():
    """A local HTTP server that records every request made to it."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


def hostile_markup(base: str) -> str:
    return (
        f'<link rel="stylesheet" href="{base}/sheet.css">'
        f'<style>@import url("{base}/imported.css"); body {{ background: url(file:///etc/passwd) }}</style>'
        f'<p>Look <img src="file:///etc/passwd"> <img src="{base}/tracker.png">'
        '<img src="https://book.invalid/static/book/../../../../etc/passwd">'
        '<img src="https://book.invalid/media/../../../../etc/hostname">'
        f'<img src="data:image/svg+xml,<svg xmlns=&quot;http://www.w3.org/2000/svg&quot;><image href=&quot;file:///etc/passwd&quot;/></svg>">'
        f'<iframe src="{base}/frame"></iframe><object data="file:///etc/passwd"></object>'
        f'<span style="background-image: url({base}/style.png)">styled</span></p>'
    )


def test_the_url_fetcher_refuses_files_the_network_and_escapes_from_its_folders(listener, tmp_path):
    base, hits = listener
    html = (
        '<html><head><link rel="stylesheet" href="static/book/book.css"></head>'
        f'<body class="book">{hostile_markup(base)}</body></html>'
    )
    part = render_part(
        key="hostile", html=html, cache_dir=tmp_path, static_dir=static_dir(), media_dir=tmp_path
    )
    assert hits == [], "nothing was requested from the network"
    refused = " ".join(part.refused)
    assert "file:///etc/passwd" in refused
    assert f"{base}/sheet.css" in refused and f"{base}/tracker.png" in refused
    assert "etc/passwd" in refused.replace("%2F", "/")
    text = "".join(page.extract_text() for page in PdfReader(part.pdf_path(tmp_path)).pages)
    assert "root:" not in text
    assert "Look" in text and "styled" in text, "the rest of the document was laid out"
    # The book's own stylesheet and fonts were fetched through the same fetcher.
    assert not any("static/book/book.css" in url or "NotoSerif" in url for url in part.refused)


def test_an_abstract_that_tries_is_printed_without_what_it_tried(listener, tmp_path):
    base, hits = listener
    event = make_event(name="Hostile Meeting", is_published=True)
    abstract = make_abstract(
        event,
        code="PS01",
        title=f'Innocent <img src="file:///etc/passwd"> title <link href="{base}/t.css">',
        text=hostile_markup(base) + "\n\nSecond paragraph with CO<sub>2</sub>.",
        note=f'<img src="{base}/note.png">On behalf of nobody',
        authors=[(make_person(event, last_name=f'Evil<img src="{base}/name.png">'), [])],
        keywords=[f'<link rel=stylesheet href="{base}/kw.css">xss'],
    )
    assert Abstract.objects.filter(pk=abstract.pk).exists()
    out = tmp_path / "hostile.pdf"
    call_command("build_book", event.slug, "-o", str(out), "--processes", "1", stdout=StringIO())
    assert hits == []
    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    assert "root:" not in text
    assert "Second paragraph with CO" in text and "Innocent" in text
    assert parts_dir(event.pk).is_dir()


def test_the_command_says_what_is_wrong_with_its_arguments(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no event with the slug 'nope'"):
        call_command("build_book", "nope", stdout=StringIO())
    event = make_event(name="Command Meeting")
    make_abstract(event, code="PS01")
    with pytest.raises(CommandError, match="--processes must be at least 1"):
        call_command("build_book", event.slug, "--processes", "0", stdout=StringIO())
    # A folder where the file should go: the book is built and kept, the message says where it is.
    with pytest.raises(
        CommandError, match=r"the book was built \(\d+ pages, .+\) but could not be written to"
    ):
        call_command("build_book", event.slug, "-o", str(tmp_path), "--processes", "1", stdout=StringIO())
