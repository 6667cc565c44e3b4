from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    SetPasswordMixin,
)
from django.core.exceptions import ValidationError

from accounts.services import EMAIL_MAX_LENGTH, EMAIL_TAKEN, email_is_registered, password_check

PASSWORD_MISMATCH = "The two passwords are not the same. Type the same password in both fields."  # noqa: S105 - a message, not a password


class SignUpForm(SetPasswordMixin, forms.Form):
    """Validates what ``user_sign_up`` checks too, so that every problem shows at once, by its field."""

    error_messages = {"password_mismatch": PASSWORD_MISMATCH}

    email = forms.EmailField(
        label="E-mail address",
        max_length=EMAIL_MAX_LENGTH,
        help_text="You log in with it; we send password resets and news about your abstracts to it.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    first_name = forms.CharField(  # optional: some people have one name only
        label="Given names",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label="Family name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    password1, password2 = SetPasswordMixin.create_password_fields(label1="Password", label2="Password again")
    password2.help_text = "Type the same password once more."

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if email_is_registered(email):
            raise ValidationError(EMAIL_TAKEN, code="email_taken")
        return email

    def clean(self) -> dict:
        cleaned = super().clean()
        self.validate_passwords()
        if password := cleaned.get("password1"):
            try:
                password_check(
                    password,
                    email=cleaned.get("email", ""),
                    first_name=cleaned.get("first_name", ""),
                    last_name=cleaned.get("last_name", ""),
                )
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def add_service_errors(self, error: ValidationError) -> None:
        """Show the errors ``user_sign_up`` raised by their fields (its ``password`` is ``password1``)."""
        for key, messages in error.message_dict.items():
            self.add_error("password1" if key == "password" else key, messages)


class EmailLoginForm(AuthenticationForm):
    username = forms.CharField(
        label="E-mail address",
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "The e-mail address and password do not match an account. Check both; the password is "
            "case-sensitive."
        ),
    }


class EmailPasswordResetForm(PasswordResetForm):
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        help_text="The address you signed up with.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


def _new_password_fields() -> tuple[forms.CharField, forms.CharField]:
    new_password1, new_password2 = SetPasswordMixin.create_password_fields(
        label1="New password", label2="New password again"
    )
    new_password2.help_text = "Type the same password once more."
    return new_password1, new_password2


class _ValidatorsOnNewPasswordMixin:
    """Django shows the password validators' messages by the confirmation; ours go by the password."""

    def clean(self) -> dict:
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)


class NewPasswordForm(_ValidatorsOnNewPasswordMixin, SetPasswordForm):
    error_messages = {**SetPasswordForm.error_messages, "password_mismatch": PASSWORD_MISMATCH}
    new_password1, new_password2 = _new_password_fields()


class ChangePasswordForm(_ValidatorsOnNewPasswordMixin, PasswordChangeForm):
    error_messages = {**PasswordChangeForm.error_messages, "password_mismatch": PASSWORD_MISMATCH}
    old_password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password1, new_password2 = _new_password_fields()
    field_order = ["old_password", "new_password1", "new_password2"]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What the token is for, so you can tell your tokens apart.",
        error_messages={"required": "Give the token a name, e.g. what it is for."},
    )
    scope = forms.ChoiceField(
        label="Scope",
        choices=[("read", "Read: look things up"), ("write", "Read and write: also submit and change")],
        initial="read",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the token may do."},
    )

    def add_service_errors(self, error: ValidationError) -> None:
        for key, messages in error.message_dict.items():
            self.add_error(key if key in self.fields else None, messages)
