"""Field validation shared by the web form, the API and the import."""

import re

from django.core.exceptions import ValidationError

ORCID_PATTERN = r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$"


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
