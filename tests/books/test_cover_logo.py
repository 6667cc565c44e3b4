"""The organisers' logo: checked for type and size on upload, printed on the cover."""

import io
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image
from pypdf import PdfReader

from conference.models import validate_logo
from tests.factories import make_abstract, make_event

pytestmark = pytest.mark.django_db


def image_file(name: str, image_format: str, size=(120, 60)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 79, 138)).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.mark.parametrize("name, image_format", [("logo.png", "PNG"), ("logo.jpg", "JPEG")])
def test_png_and_jpeg_logos_are_accepted(name, image_format):
    validate_logo(image_file(name, image_format))


@pytest.mark.parametrize(
    "upload, message",
    [
        (image_file("logo.gif", "GIF"), "PNG or JPEG image, not GIF"),
        (SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>"), "this file is not one"),
        (SimpleUploadedFile("logo.png", b"\x89PNG" + b"0" * (2 * 1024 * 1024)), "at most 2 MB"),
        (image_file("wide.png", "PNG", size=(4001, 10)), "at most 4000 pixels"),
    ],
)
def test_other_files_are_refused_with_a_reason(upload, message):
    with pytest.raises(ValidationError) as error:
        validate_logo(upload)
    assert message in " ".join(error.value.messages)


def test_the_logo_is_printed_on_the_cover(tmp_path):
    event = make_event(name="Logo Meeting", organisation="Helmholtz Association", is_published=True)
    event.logo.save("logo.png", image_file("logo.png", "PNG"))
    make_abstract(event, code="PS01", title="An abstract")
    out = tmp_path / "book.pdf"
    call_command("build_book", event.slug, "-o", str(out), "--processes", "1", stdout=StringIO())
    cover = PdfReader(out).pages[0]
    assert len(cover.images) == 1
    assert "HELMHOLTZ ASSOCIATION" in cover.extract_text()
