"""The only way a book document reaches a file: the app's own book assets and media, nothing else.

Every book document is rendered with ``BOOK_BASE_URL`` as its base, so the templates'
relative links (``../static/book/book.css``) resolve under it. The fetcher serves those
from the static book folder and from media (the event logo) and refuses every other URL:
``file://``, ``http(s)://`` to anywhere, ``data:``, and paths that climb out of the
folders. WeasyPrint skips a refused resource and goes on, so hostile markup that slipped
through the sanitiser costs an image, never a file or a request.
"""

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

BOOK_BASE_URL = "https://book.invalid/"
_HOST = urlsplit(BOOK_BASE_URL).netloc


class RefusedURL(ValueError):
    """A book document asked for something that is not one of the app's own files."""


class BookURLFetcher(URLFetcher):
    def __init__(self, *, static_dir: Path, media_dir: Path | None = None) -> None:
        super().__init__(timeout=1, allowed_protocols=["https"], allow_redirects=False)
        self.roots = {"/static/book/": Path(static_dir).resolve()}
        if media_dir is not None:
            self.roots["/media/"] = Path(media_dir).resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        path = self.local_path(url)
        if path is None:
            self.refused.append(url)
            log.warning("book rendering refused to fetch %s", url[:200])
            raise RefusedURL(f"the book only loads its own files, not {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    def local_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme != "https" or parts.netloc != _HOST or parts.query:
            return None
        url_path = unquote(parts.path)
        for prefix, root in self.roots.items():
            if url_path.startswith(prefix):
                candidate = (root / url_path.removeprefix(prefix)).resolve()
                if candidate.is_relative_to(root) and candidate.is_file():
                    return candidate
        return None
