"""Swagger UI's files from drf-spectacular-sidecar, and only those.

The sidecar app ships ReDoc too (twice Swagger UI's size), which every ``collectstatic`` would hash
and compress for nothing; this finder serves the Swagger UI folder alone, at the address the
sidecar's own app would give it, so that the docs page loads everything from this server.
"""

from pathlib import Path

import drf_spectacular_sidecar
from django.contrib.staticfiles.finders import BaseFinder
from django.contrib.staticfiles.utils import get_files
from django.core.files.storage import FileSystemStorage

PREFIX = "drf_spectacular_sidecar/swagger-ui-dist"


class SwaggerUiFinder(BaseFinder):
    def __init__(self, *args, **kwargs) -> None:
        root = Path(drf_spectacular_sidecar.__file__).parent / "static" / PREFIX
        self.storage = FileSystemStorage(location=root)
        self.storage.prefix = PREFIX

    def check(self, **kwargs) -> list:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs):
        name = path.removeprefix(f"{PREFIX}/")
        if name != path and self.storage.exists(name):
            found = self.storage.path(name)
            return [found] if find_all else found
        return []

    def list(self, ignore_patterns):
        for path in get_files(self.storage, ignore_patterns):
            yield path, self.storage
