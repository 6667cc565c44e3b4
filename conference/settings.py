"""Settings, all from environment variables with safe defaults.

The defaults are the *embedded* configuration: SQLite and a file-system Celery
broker under ``var/``, so the app runs with no server but itself. Production
sets DATABASE_URL (PostgreSQL), CELERY_BROKER_URL and REDIS_URL (Redis).
The README has a table of every setting.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("REQUIRE_SECRET_KEY", False):
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    # Development only: a key that is stable across restarts of this checkout.
    SECRET_KEY = "insecure-development-key-set-SECRET_KEY-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "conference",
    "abstracts",
    "indexes",
    "books",
    "accounts",
    "programme",
    "audit",
    "reviews",
    "api",
    "decisions",
    "cleanup",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy on pages; refused log-ins, sign-ups and resets answered with 429.
    "accounts.middleware.ContentSecurityPolicyMiddleware",
    "accounts.middleware.RateLimitedMiddleware",
    # A database that cannot be reached (restart, fail-over) is a 503 saying so, not a 500.
    "conference.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "conference.urls"
WSGI_APPLICATION = "conference.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets the web server and the Celery worker read while the other writes.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    # The test worker and web server must see the test database, so it lives in a file,
    # not in memory; one per test run, so two runs on one machine do not collide.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer (restarting, unreachable) fails a request in seconds, not minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        # The e-mail first: the user name is the same address, and people know it as their e-mail.
        "OPTIONS": {"user_attributes": ("email", "first_name", "last_name", "username")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The e-mail address is the identity: sign-up makes it the user name, log-in takes it in any case.
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 24 * 3600)  # seconds a reset link works

LANGUAGE_CODE = "en"
TIME_ZONE = env_str("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Without collectstatic (tests, the embedded default), WhiteNoise serves from the finders.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
WHITENOISE_AUTOREFRESH = DEBUG

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache; while Redis is down each process uses its own (conference/cache.py).
            "BACKEND": "conference.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "abstractbook"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_RESULT_BACKEND = env_str(
    "CELERY_RESULT_BACKEND",
    REDIS_URL or f"file://{(VAR_DIR / 'celery' / 'results').as_posix()}",
)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "celery" / "broker"),
        "data_folder_out": str(VAR_DIR / "celery" / "broker"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
        "polling_interval": 0.1,  # seconds between looks at the folder (the default, 1 s, paces every task)
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": 3600}
)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Sending a task subscribes to its result in Redis; with Redis down, Celery's default (20 tries, 1 s
# apart) held every save that queues a task for 19 s. Fail fast: the callers log it, reconcile catches up.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "abstracts@localhost")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))  # for the file-based backend
# Where e-mails sent by workers point their links (they have no request to take the host from).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_HTTPS_PROXY", False) else None
)
# The programme board posts one code field per abstract (and a tick per chosen one): a meeting of
# 5,000 abstracts needs more than Django's default of 1,000 fields.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env_int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 20_000)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and bool(os.environ.get("SECRET_KEY")))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF token from the cookie: forms carry it, Swagger UI gets it in its page.
CSRF_COOKIE_HTTPONLY = True
# HTTPS only (production, where the cookies are secure): browsers remember it for a year. At a bare
# domain whose other subdomains are not all on HTTPS, set SECURE_HSTS_INCLUDE_SUBDOMAINS=0 and
# SECURE_HSTS_PRELOAD=0 (preload is the consent to be put on the browsers' built-in list).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if SESSION_COOKIE_SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", SECURE_HSTS_SECONDS > 0)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
# Redirects http:// to https:// by default only where the app can tell them apart (behind the proxy);
# the health check stays on plain HTTP for the container's probe.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SECURE_PROXY_SSL_HEADER is not None)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# On HTML pages (accounts/middleware.py): only the app's own scripts, styles, images and fonts.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
CONTENT_SECURITY_POLICY_BY_PATH = {
    # Django's change lists and widgets set style attributes.
    "/admin/": CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
    # Swagger UI's page starts it with an inline script and an inline style.
    "/api/docs/": CONTENT_SECURITY_POLICY.replace(
        "script-src 'self'", "script-src 'self' 'unsafe-inline'"
    ).replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
}

# The client's address is REMOTE_ADDR; behind N proxies of one's own that each append to
# X-Forwarded-For, set TRUSTED_PROXY_COUNT=N (the API's throttles and the limits below use it).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Brute-force protection (accounts/ratelimits.py), as (attempts, seconds); 0 attempts: no limit.
# Counted in the cache: Redis with REDIS_URL (all processes together), else per process.
ACCOUNT_RATE_LIMITS = {
    # Failed log-ins to one account from one address; then even the right password waits.
    "login_failures_per_account": (
        env_int("LOGIN_FAILURES_PER_ACCOUNT", 5),
        env_int("LOGIN_LOCK_SECONDS", 15 * 60),
    ),
    # Failed log-ins from one address to any accounts (people behind one NAT share it).
    "login_failures_per_address": (
        env_int("LOGIN_FAILURES_PER_ADDRESS", 50),
        env_int("LOGIN_LOCK_SECONDS", 15 * 60),
    ),
    "signups_per_address": (env_int("SIGNUPS_PER_ADDRESS", 20), env_int("SIGNUP_WINDOW_SECONDS", 3600)),
    "password_resets_per_address": (
        env_int("PASSWORD_RESETS_PER_ADDRESS", 10),
        env_int("PASSWORD_RESET_WINDOW_SECONDS", 3600),
    ),
    "password_resets_per_account": (
        env_int("PASSWORD_RESETS_PER_ACCOUNT", 3),
        env_int("PASSWORD_RESET_WINDOW_SECONDS", 3600),
    ),
}

# Swagger UI (drf-spectacular-sidecar) is served from this app's static files; api/staticfiles.py says why
# through a finder of its own rather than the sidecar app.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "api.staticfiles.SwaggerUiFinder",
]
# Source maps (Swagger UI's are 2 MB) are for browser devtools only: not worth compressing at every deploy.
from whitenoise.compress import Compressor  # noqa: E402 - beside the setting it serves

WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]

# The API (/api/v1/, see api/ and each app's api.py): session log-in for the browser (CSRF checked),
# tokens for scripts; JSON only; one error format (api/errors.py).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "api.permissions.TokenScopeAllows",
        "rest_framework.permissions.IsAuthenticatedOrReadOnly",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.errors.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumbers",
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.AnonymousThrottle",
        "api.throttling.TokenThrottle",
        "api.throttling.SessionUserThrottle",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # X-Forwarded-For only from proxies of one's own (else anyone could throttle as anyone).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# Requests per address (anonymous), per token and per signed-in browser session: "N/second|minute|hour|day".
API_THROTTLE_RATES = {
    "anon": env_str("API_THROTTLE_ANON", "120/minute"),
    "token": env_str("API_THROTTLE_TOKEN", "1200/minute"),
    "user": env_str("API_THROTTLE_USER", "1200/minute"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Abstract book API",
    "DESCRIPTION": (
        "Events, sessions, abstracts with their authors, numbered affiliations and keywords, people, "
        "the author and keyword indexes, and book builds.\n\n"
        "**Authentication**: your browser session (writes need the CSRF token), or a token from your "
        "profile page sent as `Authorization: Token <key>` (or `Bearer <key>`); read-scoped tokens "
        "cannot write.\n\n"
        "**Who sees what**: anyone reads published events and their accepted abstracts; submitters their "
        "own abstracts; organisers everything of their events; reviewers the abstracts assigned to them. "
        "What you may not see is a 404; what you see but may not change is a 403.\n\n"
        '**Errors** always look like `{"error": {"code": "invalid", "message": "…", '
        '"fields": {"authors.0.email": ["…"]}}}` (schema `ErrorResponse`): `code` for programs, '
        "`message` for people, `fields` only with `invalid`.\n\n"
        "**Caching**: lists and details carry an `ETag`; send it back as `If-None-Match` to get `304`.\n\n"
        "**Limits**: pages of 25 (`page_size` up to 100); requests are throttled per address, token "
        "and account (`429` with `Retry-After`)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None, "persistAuthorization": False},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AbstractStatusEnum": "abstracts.models.Abstract.Status",
        "BookBuildStatusEnum": "books.models.BookBuild.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint reports every step at INFO; its warnings (a refused URL, a missing glyph) still show.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "pikepdf": {"level": "WARNING"},
    },
}

for directory in (
    VAR_DIR,
    MEDIA_ROOT,
    VAR_DIR / "celery" / "broker",
    VAR_DIR / "celery" / "results",
):
    directory.mkdir(parents=True, exist_ok=True)

# The indexes: changes within this many seconds are built together (one rebuild for a burst).
INDEXES_COALESCE_SECONDS = env_int("INDEXES_COALESCE_SECONDS", 2)
# A queued rebuild not started after this long is taken as lost and queued again.
INDEXES_QUEUED_STALE_SECONDS = env_int("INDEXES_QUEUED_STALE_SECONDS", 600)

# The book of abstracts (books/): built after the indexes, in slices laid out in parallel.
BOOK_PROCESSES = env_int("BOOK_PROCESSES", os.cpu_count() or 1)  # for build_book and benchmarks
BOOK_SLICE_SIZE = env_int("BOOK_SLICE_SIZE", 20)  # abstracts per slice laid out in one go
BOOK_COALESCE_SECONDS = env_int("BOOK_COALESCE_SECONDS", 3)
BOOK_STALE_SECONDS = env_int(
    "BOOK_STALE_SECONDS", 300
)  # a running build silent this long has lost its worker
BOOK_KEEP_PDFS = env_int("BOOK_KEEP_PDFS", 3)
# An author index longer than this is laid out in two halves at once (the second from a new page).
BOOK_INDEX_SPLIT = env_int("BOOK_INDEX_SPLIT", 1200)  # good PDFs kept per event; older files are deleted

# Decision letters (decisions/): retries of a failed SMTP send, and when an unsent letter is queued again.
DECISIONS_MAIL_RETRIES = env_int("DECISIONS_MAIL_RETRIES", 5)  # after this many retries a letter is failed
DECISIONS_MAIL_RETRY_SECONDS = env_int("DECISIONS_MAIL_RETRY_SECONDS", 30)  # first wait; doubles each time
DECISIONS_RESEND_AFTER_SECONDS = env_int("DECISIONS_RESEND_AFTER_SECONDS", 300)  # released, unsent this long

CELERY_BEAT_SCHEDULE = {
    # Catches up indexes whose rebuild could not be queued (broker down) or was lost.
    "reconcile-indexes": {"task": "indexes.reconcile", "schedule": env_int("INDEXES_RECONCILE_SECONDS", 60)},
    # Fails book builds whose worker died, resends lost ones, queues books that are behind.
    "reconcile-books": {"task": "books.reconcile", "schedule": env_int("BOOK_RECONCILE_SECONDS", 60)},
    # Queues again decision letters released but not sent (broker down at release, worker lost).
    "resend-decision-letters": {
        "task": "decisions.resend_unsent",
        "schedule": env_int("DECISIONS_SWEEP_SECONDS", 60),
    },
    # Queues again submission confirmations not sent (broker down at submission, task lost).
    "resend-submission-confirmations": {"task": "abstracts.resend_unsent_confirmations", "schedule": 120},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
