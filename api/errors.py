"""One error format for the whole API, documented in the schema (``ErrorResponse``):

    {"error": {"code": "invalid", "message": "Some fields are not valid.",
               "fields": {"title": ["…"], "authors.0.last_name": ["…"]}}}

``code`` is stable and meant for programs; ``message`` is for people; ``fields`` (only for
``invalid``) maps each field, as a dotted path into the request body, to its messages.
The services' refusals are mapped here, in one place: ``SubmissionRefused`` becomes field errors,
``ProgrammeRefused`` and ``ReviewRefused`` a 400 with the code ``refused``. Django's own
400/403/404/500 pages answer in the same format under ``/api/``. A body larger than Django takes
(``DATA_UPLOAD_MAX_MEMORY_SIZE``, ``DATA_UPLOAD_MAX_NUMBER_FIELDS``) is a 413 with the code
``too_large`` and a message that gives the limits, under ``/api/`` and on pages alike.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views import defaults
from rest_framework import exceptions, parsers, status
from rest_framework.views import exception_handler

from abstracts.services import SubmissionRefused
from abstracts.submission import MAX_AFFILIATIONS, MAX_AUTHORS, MAX_KEYWORDS, MAX_TEXT_CHARACTERS
from programme.services import ProgrammeRefused
from reviews.services import ReviewRefused

API_PREFIX = "/api/"


class Refused(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "refused"
    default_detail = "This change cannot be made."


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; JSON nested deeper than Python's parser goes is a parse error (400), not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - the JSON is nested too deeply.") from None


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    error = {"code": code, "message": message}
    if fields is not None:
        error["fields"] = fields
    return {"error": error}


def flatten_field_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as one level: {"authors": [{}, {"email": [..]}]} → {"authors.1.email": [..]}."""
    fields: dict[str, list[str]] = {}

    def walk(node, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list) and any(isinstance(item, dict | list) for item in node):
            for index, item in enumerate(node):
                if item:
                    walk(item, f"{path}.{index}" if path else str(index))
        elif isinstance(node, list):
            fields.setdefault(path or "non_field_errors", []).extend(str(item) for item in node)
        else:
            fields.setdefault(path or "non_field_errors", []).append(str(node))

    walk(detail, prefix)
    return fields


def submission_problem_fields(problems: dict[str, list[str]]) -> dict[str, list[str]]:
    """The services' problem keys as request paths: "author-2" is the second author, ``authors.1``."""
    fields: dict[str, list[str]] = {}
    for where, messages in problems.items():
        if where.startswith("author-") and where[7:].isdigit():
            where = f"authors.{int(where[7:]) - 1}"
        fields.setdefault(where, []).extend(messages)
    return fields


def _as_api_exception(exc):
    if isinstance(exc, SubmissionRefused):
        return exceptions.ValidationError(submission_problem_fields(exc.problems))
    if isinstance(exc, ProgrammeRefused | ReviewRefused):
        return Refused(str(exc))
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


def api_exception_handler(exc, context):
    """DRF's handler (headers such as WWW-Authenticate and Retry-After, rollback), our body."""
    exc = _as_api_exception(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handler answers, in this format too
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_field_errors(exc.detail)
        first = next(iter(fields.values()), [""])[0]
        message = "Some fields are not valid." if len(fields) != 1 else first
        response.data = error_body("invalid", message, fields)
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        message = exc.detail if isinstance(exc.detail, str) else str(exc)
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            message = f"Too many requests; try again in {int(exc.wait) + 1} seconds."
        response.data = error_body(code, str(message))
    return response


def _json_error(status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def too_large_message(request, exception: RequestDataTooBig | TooManyFieldsSent) -> str:
    """What was too large, the limits, and what to do: for a person who sent too much."""
    if isinstance(exception, TooManyFieldsSent):
        return (
            f"The form sent more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} fields, more than any "
            f"abstract needs: at most {MAX_AUTHORS} authors, {MAX_AFFILIATIONS} affiliations and "
            f"{MAX_KEYWORDS} keywords can be listed. Remove rows and send it again."
        )
    try:
        sent = f" ({_megabytes(int(request.META.get('CONTENT_LENGTH') or 0))})"
    except ValueError:
        sent = ""
    return (
        f"What was sent{sent} is more than the {_megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)} "
        f"taken at once. An abstract's text can be at most {MAX_TEXT_CHARACTERS:,} characters; "
        "shorten it and send it again."
    )


def bad_request(request, exception, template_name="400.html"):
    too_large = isinstance(exception, RequestDataTooBig | TooManyFieldsSent)
    if request.path.startswith(API_PREFIX):
        if too_large:
            return _json_error(413, "too_large", too_large_message(request, exception))
        return _json_error(400, "bad_request", "The request could not be understood.")
    if too_large:
        context = {"message": too_large_message(request, exception)}
        return render(request, "abstracts/request_too_large.html", context, status=413)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception, template_name="403.html"):
    if request.path.startswith(API_PREFIX):
        return _json_error(403, "permission_denied", str(exception) or "You may not do this.")
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception, template_name="404.html"):
    if request.path.startswith(API_PREFIX):
        return _json_error(404, "not_found", "There is nothing at this address.")
    return defaults.page_not_found(request, exception)


def server_error(request, template_name="500.html"):
    if request.path.startswith(API_PREFIX):
        return _json_error(500, "server_error", "Something went wrong on the server; it has been logged.")
    return defaults.server_error(request)
