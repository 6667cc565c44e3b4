"""Field validation shared by the web form, the API and the import."""

import re

from django.core.exceptions import ValidationError

ORCID_PATTERN = r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$"
# NUL and the other C0 controls but tab, line feed and carriage return; lone UTF-16 surrogates.
# None of them is text: PostgreSQL refuses NUL, a surrogate cannot be encoded, and no font has them.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def orcid_checksum_ok(orcid: str) -> bool:
    """ISO 7064 11,2 check digit, as ORCID defines it."""
    digits = orcid.replace("-", "")
    if len(digits) != 16 or not digits[:15].isdigit():
        return False
    total = 0
    for digit in digits[:15]:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    return digits[15] == ("X" if check == 10 else str(check))


def validate_orcid(value: str) -> None:
    if not re.fullmatch(ORCID_PATTERN, value):
        raise ValidationError(f"{value!r} is not an ORCID iD (0000-0002-1825-0097 is one).")
    if not orcid_checksum_ok(value):
        raise ValidationError(f"{value!r} is not a valid ORCID iD: its check digit is wrong.")


def text_character_problem(value: str) -> str | None:
    """What makes ``value`` unfit to store and print as text, or None (right-to-left marks, joiners,
    combining marks and emoji are all text and fine)."""
    match = _NOT_TEXT.search(value)
    if match is None:
        return None
    character = match.group()
    kind = "a lone surrogate" if "\ud800" <= character <= "\udfff" else "a control character"
    return f"contains {kind} (U+{ord(character):04X}) at position {match.start() + 1}, which is not text"
