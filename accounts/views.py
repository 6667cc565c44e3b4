from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts.forms import (
    ApiTokenForm,
    ChangePasswordForm,
    EmailLoginForm,
    EmailPasswordResetForm,
    NewPasswordForm,
    SignUpForm,
)
from accounts.models import ApiToken
from accounts.ratelimits import password_reset_attempt_record, signup_attempt_record
from accounts.selectors import api_tokens_of
from accounts.services import api_token_create, api_token_revoke, user_sign_up


def _next_url(request: HttpRequest) -> str:
    """The ``next`` page asked for, if it is on this site; else an empty string."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


@sensitive_post_parameters("password1", "password2")
@never_cache
def signup(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    if request.user.is_authenticated:
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    if request.method == "POST":
        signup_attempt_record(request)  # raises RateLimited (a 429 page) beyond the limit
    form = SignUpForm(request.POST) if request.method == "POST" else SignUpForm()
    if form.is_valid():
        try:
            user = user_sign_up(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except ValidationError as error:  # another sign-up with this address got in first
            form.add_service_errors(error)
        else:
            login(request, user, backend="accounts.backends.EmailBackend")
            return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


login_view = auth.LoginView.as_view(
    template_name="accounts/login.html",
    authentication_form=EmailLoginForm,
    redirect_authenticated_user=True,
)
logout_view = auth.LogoutView.as_view()


class PasswordResetView(auth.PasswordResetView):
    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Counted before the form is looked at; raises RateLimited (a 429 page) beyond the limit.
        password_reset_attempt_record(request, email=request.POST.get("email", ""))
        return super().post(request, *args, **kwargs)


password_reset = PasswordResetView.as_view(
    template_name="accounts/password_reset_form.html",
    form_class=EmailPasswordResetForm,
    email_template_name="accounts/password_reset_email.txt",
    subject_template_name="accounts/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
    extra_email_context={"valid_hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)},
)
password_reset_done = auth.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
password_reset_confirm = auth.PasswordResetConfirmView.as_view(
    template_name="accounts/password_reset_confirm.html",
    form_class=NewPasswordForm,
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
password_change = auth.PasswordChangeView.as_view(
    template_name="accounts/password_change_form.html",
    form_class=ChangePasswordForm,
    success_url=reverse_lazy("accounts:password_change_done"),
)
password_change_done = auth.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html")


@login_required
@never_cache
def profile(request: HttpRequest) -> HttpResponse:
    """The user's profile: their API tokens, created (the key shown once) and revoked here."""
    form = ApiTokenForm()
    new_token, new_key, status = None, "", 200
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            token_id = request.POST.get("token", "")
            try:
                token = api_token_revoke(user=request.user, token_id=int(token_id))
            except (ValueError, ApiToken.DoesNotExist):
                messages.error(request, "There is no such token of yours.")
            else:
                messages.success(request, f"The token “{token.name}” is revoked; it no longer works.")
            return redirect("accounts:profile")
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                new_token, new_key = api_token_create(
                    user=request.user, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"]
                )
            except ValidationError as error:
                form.add_service_errors(error)
                status = 400
            else:
                form = ApiTokenForm()
        else:
            status = 400
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "tokens": api_tokens_of(request.user), "new_token": new_token, "new_key": new_key},
        status=status,
    )
