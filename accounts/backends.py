from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import HttpRequest

from accounts.ratelimits import login_attempt_check, login_failure_record, login_success_record


class EmailBackend(ModelBackend):
    """Log in with the e-mail address in any case, or with the exact user name.

    Accounts made by sign-up have ``username = email.lower()``; accounts made in the admin or by
    ``createsuperuser`` (``admin``) keep logging in with their user name.

    Every log-in goes through here (the site's and the admin's), so failures are counted and
    locked-out attempts refused here (``accounts/ratelimits.py``): a locked account name raises
    ``RateLimited`` before the password is looked at.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        username = username.strip()
        if request is not None:
            login_attempt_check(request, username)
        user = self._user_with_password(username, password)
        if request is not None:
            if user is None:
                login_failure_record(request, username)
            else:
                login_success_record(request, username)
        return user

    def _user_with_password(self, username: str, password: str) -> User | None:
        # An e-mail address may be on more than one older account: the password decides which.
        candidates = list(
            User._default_manager.filter(
                Q(username=username) | Q(username=username.lower()) | Q(email__iexact=username)
            ).order_by("pk")[:5]
        )
        if not candidates:
            # Hash anyway, so that the answer for an unknown address takes as long as a wrong password.
            User().set_password(password)
            return None
        for user in candidates:
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
        return None
