"""Token authentication for scripts: ``Authorization: Token <key>`` or ``Authorization: Bearer <key>``."""

from rest_framework import authentication, exceptions

from accounts.models import ApiToken
from accounts.services import api_token_authenticate

KEYWORDS = ("token", "bearer")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Sets ``request.auth`` to the ``ApiToken``; a wrong, revoked or malformed key is a 401."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Give the token as “Authorization: Token <key>”, with no spaces in the key.",
                code="malformed_token",
            )
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("This is not a token.", code="invalid_token") from None
        token = api_token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed(
                "This token does not exist or has been revoked.", code="invalid_token"
            )
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Token realm="api"'


def request_token(request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None
