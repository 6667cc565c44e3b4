"""Production settings: Django's deployment check is clean, and responses carry the security headers.

"Production" is the environment the README documents: a long random SECRET_KEY, REQUIRE_SECRET_KEY=1,
DEBUG=0, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS and BEHIND_HTTPS_PROXY=1 (a TLS proxy in front).
"""

import os
import re
import secrets
import subprocess
import sys

import pytest
import requests
from django.contrib.auth import get_user_model

from tests.conftest import ROOT

HOST = "abstracts.example.org"
PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "REQUIRE_SECRET_KEY": "1",
    "DEBUG": "0",
    "ALLOWED_HOSTS": HOST,
    "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
    "BEHIND_HTTPS_PROXY": "1",
}
# Set by developers or by the tests' own fixtures; production leaves them to their defaults.
LEFT_TO_DEFAULTS = (
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "CONTENT_SECURITY_POLICY",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests' fixture for Playwright
)
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def production_env(**overrides: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in LEFT_TO_DEFAULTS}
    return {**env, **PRODUCTION, **overrides}


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deployment_check_is_clean_with_production_settings():
    result = check_deploy(production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


@pytest.mark.parametrize(
    ("override", "warning"),
    [
        ({"SECURE_SSL_REDIRECT": "0"}, "security.W008"),
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECURE_COOKIES": "0"}, "security.W012"),
        ({"SECRET_KEY": "short"}, "security.W009"),
    ],
)
def test_the_deployment_check_fails_without_each_setting(override, warning):
    result = check_deploy(production_env(**override))

    assert result.returncode == 1
    assert warning in result.stderr + result.stdout


@pytest.fixture
def production_server(start_server, transactional_db) -> str:
    return start_server(production_env(), name="production")


def test_production_pages_carry_the_security_headers_and_secure_cookies(production_server):
    https = {"Host": HOST, "X-Forwarded-Proto": "https"}

    page = requests.get(f"{production_server}/accounts/login/", headers=https, timeout=30)

    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert page.headers["Content-Security-Policy"] == POLICY
    csrf_cookie = page.headers["Set-Cookie"]
    assert csrf_cookie.startswith("csrftoken=")
    assert {"Secure", "HttpOnly", "SameSite=Lax"} <= {part.strip() for part in csrf_cookie.split(";")}

    User = get_user_model()
    User.objects.create_user("anna@example.org", "anna@example.org", "quiet harbour 1987")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    logged_in = requests.post(
        f"{production_server}/accounts/login/",
        {"username": "anna@example.org", "password": "quiet harbour 1987", "csrfmiddlewaretoken": token},
        headers={**https, "Origin": f"https://{HOST}", "Cookie": f"csrftoken={page.cookies['csrftoken']}"},
        allow_redirects=False,
        timeout=30,
    )
    assert logged_in.status_code == 302, logged_in.text[:500]
    session_cookie = next(
        cookie for cookie in logged_in.raw.headers.getlist("Set-Cookie") if cookie.startswith("sessionid=")
    )
    assert {"Secure", "HttpOnly", "SameSite=Lax"} <= {part.strip() for part in session_cookie.split(";")}


def test_production_answers_plain_http_with_a_redirect_to_https_except_the_health_check(production_server):
    plain = requests.get(
        f"{production_server}/accounts/login/", headers={"Host": HOST}, allow_redirects=False, timeout=30
    )
    health = requests.get(f"{production_server}/health/", headers={"Host": HOST}, timeout=30)
    api = requests.get(
        f"{production_server}/api/v1/events/",
        headers={"Host": HOST, "X-Forwarded-Proto": "https"},
        timeout=30,
    )

    assert plain.status_code == 301
    assert plain.headers["Location"] == f"https://{HOST}/accounts/login/"
    assert health.status_code in (200, 503) and health.json()["checks"]
    assert api.status_code == 200
    assert "Content-Security-Policy" not in api.headers  # JSON is not a page
    assert api.headers["X-Content-Type-Options"] == "nosniff"
