from django.db.models import F, QuerySet

from accounts.models import ApiToken


def api_tokens_of(user) -> QuerySet[ApiToken]:
    """The user's tokens, active ones first, newest first."""
    return ApiToken.objects.filter(user=user).order_by(
        F("revoked_at").desc(nulls_first=True), "-created_at", "-pk"
    )
