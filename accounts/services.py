"""Accounts: the e-mail address is the identity (``username`` is the e-mail in lower case)."""

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q

EMAIL_MAX_LENGTH = User._meta.get_field("username").max_length  # the e-mail becomes the user name
EMAIL_TAKEN = "An account with this e-mail address already exists. Log in, or reset your password."


def email_is_registered(email: str) -> bool:
    email = email.strip()
    if not email:
        return False
    return User._default_manager.filter(Q(email__iexact=email) | Q(username=email.lower())).exists()


def password_check(password: str, *, email: str, first_name: str = "", last_name: str = "") -> None:
    """Run ``AUTH_PASSWORD_VALIDATORS`` on a new account's password; raise ``ValidationError``."""
    candidate = User(username=email.lower(), email=email, first_name=first_name, last_name=last_name)
    validate_password(password, user=candidate)


def sign_up_check(*, email: str, password: str, first_name: str = "", last_name: str = "") -> None:
    """Raise ``ValidationError({"email": [...], "password": [...]})`` with every problem found."""
    errors: dict[str, list[ValidationError]] = {}
    try:
        validate_email(email)
        if len(email) > EMAIL_MAX_LENGTH:
            raise ValidationError(
                f"Use an e-mail address of at most {EMAIL_MAX_LENGTH} characters.", code="email_too_long"
            )
        if email_is_registered(email):
            raise ValidationError(EMAIL_TAKEN, code="email_taken")
    except ValidationError as error:
        errors["email"] = error.error_list
    try:
        password_check(password, email=email, first_name=first_name, last_name=last_name)
    except ValidationError as error:
        errors["password"] = error.error_list
    if errors:
        raise ValidationError(errors)


def user_sign_up(*, email: str, password: str, first_name: str, last_name: str) -> User:
    """Create an active, non-staff account for ``email``; does not log it in.

    Raises ``ValidationError`` as ``sign_up_check`` does, also when another sign-up with the same
    address commits first (the unique user name catches the race).
    """
    email = BaseUserManager.normalize_email(email.strip())
    first_name, last_name = first_name.strip(), last_name.strip()
    sign_up_check(email=email, password=password, first_name=first_name, last_name=last_name)
    try:
        with transaction.atomic():
            return User._default_manager.create_user(
                username=email.lower(),
                email=email,
                password=password,
                first_name=first_name,
                last_name=last_name,
            )
    except IntegrityError:
        raise ValidationError({"email": [ValidationError(EMAIL_TAKEN, code="email_taken")]}) from None
