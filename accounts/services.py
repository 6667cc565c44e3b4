"""Accounts: the e-mail address is the identity (``username`` is the e-mail in lower case)."""

import hashlib
import secrets

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import ApiToken

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


# --- API tokens ---------------------------------------------------------------------------------

TOKEN_BYTES = 32
TOKENS_PER_USER = 50
# Touching last_used_at on every request would write on every read; once a minute is enough to tell.
TOKEN_TOUCH_SECONDS = 60


def api_token_hash(key: str) -> str:
    # The keys are 256 random bits, so a plain SHA-256 is as good as a slow password hash here.
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user: User, name: str, scope: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns it and its key, which is not stored and cannot be shown again.

    Raises ``ValidationError`` for an empty name, an unknown scope, or too many active tokens.
    """
    name = " ".join(name.split())
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Give the token a name, e.g. what it is for."]
    elif len(name) > 100:
        errors["name"] = ["Use a name of at most 100 characters."]
    if scope not in ApiToken.Scope.values:
        errors["scope"] = [f"Choose the scope: {', '.join(ApiToken.Scope.values)}."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        User._default_manager.select_for_update().filter(pk=user.pk).first()
        if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= TOKENS_PER_USER:
            raise ValidationError(
                {"name": [f"You have {TOKENS_PER_USER} active tokens; revoke one you no longer use first."]}
            )
        key = secrets.token_urlsafe(TOKEN_BYTES)
        token = ApiToken.objects.create(
            user=user, name=name, scope=scope, prefix=key[:8], key_hash=api_token_hash(key)
        )
    return token, key


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s tokens (someone else's is ``ApiToken.DoesNotExist``); idempotent."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token_id, user=user)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(key: str) -> ApiToken | None:
    """The active token with this key, with its user, or None; notes when it was last used."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=api_token_hash(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > TOKEN_TOUCH_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
