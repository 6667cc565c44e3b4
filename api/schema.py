"""What drf-spectacular cannot see by itself: the token scheme, and the error format on every operation."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error of the API has this shape.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {
                    "type": "string",
                    "description": "Stable, for programs: invalid, refused, not_authenticated, "
                    "authentication_failed, invalid_token, malformed_token, permission_denied, "
                    "token_read_only, not_found, method_not_allowed, not_acceptable, "
                    "unsupported_media_type, parse_error, throttled, server_error.",
                },
                "message": {"type": "string", "description": "For people."},
                "fields": {
                    "type": "object",
                    "description": "Only with `invalid`: messages by field, as a dotted path into the "
                    "request body (`authors.1.email`); `non_field_errors` for the body as a whole.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}

ERRORS = {
    "400": "Invalid (`invalid`, with `fields`) or refused by the rules (`refused`).",
    "401": "Not signed in, or a wrong or revoked token.",
    "403": "Signed in, but not allowed (`permission_denied`, `token_read_only`).",
    "404": "Nothing there that you may see (`not_found`).",
    "405": "Not a method this address answers.",
    "406": "Cannot answer in the format asked for.",
    "415": "The body is not JSON.",
    "429": "Too many requests (`throttled`); the Retry-After header says when to try again.",
}
READ_ERRORS = ("400", "401", "404", "406", "405", "429")


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` or `Bearer <key>`: create a token on your profile page "
            "(/accounts/profile/). A read-scoped token cannot write (403, `token_read_only`).",
        }


def add_error_responses(result, generator, request, public):
    """Document the error format once and refer to it from every operation's error responses."""
    result.setdefault("components", {}).setdefault("schemas", {})["ErrorResponse"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/ErrorResponse"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            codes = READ_ERRORS if method == "get" else ERRORS
            for code in codes:
                responses.setdefault(
                    code,
                    {"description": ERRORS[code], "content": {"application/json": {"schema": reference}}},
                )
            if method == "get" and "200" in responses:
                responses.setdefault(
                    "304", {"description": "Not modified: your copy (If-None-Match) is current."}
                )
    return result
