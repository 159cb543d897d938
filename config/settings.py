"""Settings for the case-management engine.

Everything that differs between machines comes from the environment:
DATABASE_URL (PostgreSQL only), SECRET_KEY, DEBUG, ALLOWED_HOSTS, EMAIL_*, and
the HTTPS settings (HTTPS, SECURE_*, SESSION_COOKIE_SECURE, CSRF_*; see
docs/production.md and deploy/systemd/env.example).
"""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Off unless asked for: the debug pages list every URL and show tracebacks.
DEBUG = _env_flag("DEBUG")

# The key signs sessions, password-reset links and CSRF tokens. It comes from the
# environment; on a development checkout, from the random file `make` writes
# (.local/secret_key, never committed). The development key below is in the
# repository, so it is refused unless DEBUG is on.
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret-change-me-in-production-0123456789"
SECRET_KEY_FILE = Path(os.environ.get("SECRET_KEY_FILE", BASE_DIR / ".local" / "secret_key"))
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip()
if not SECRET_KEY and SECRET_KEY_FILE.is_file():
    SECRET_KEY = SECRET_KEY_FILE.read_text(encoding="ascii").strip()
if not SECRET_KEY and DEBUG:
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
if not DEBUG and (not SECRET_KEY or SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "SECRET_KEY is missing, too short (under 50 characters) or the development key "
        "committed in the repository. Set SECRET_KEY in the environment (see "
        "docs/production.md), or run `make run` / `make test` on a development checkout, "
        "which writes a random key to .local/secret_key."
    )

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

# The shared registry's models, for the engine (workflows.registry_models).
CASEFLOW_CASE_MODEL = "cases.Case"
CASEFLOW_UNIT_MODEL = "cases.AdministrativeUnit"
CASEFLOW_DOCUMENT_REQUIREMENT_MODEL = "cases.DocumentRequirement"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",  # API tokens: expiring, stored hashed (cases.accounts)
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served from here (CSP: no CDN)
    "csp",
    "guardian",
    "pgtrigger",
    "viewflow",
    "viewflow.workflow",
    "cases",
    "cases.housing",
    "cases.gifts",
    "cases.rehab",
    "cases.allowances",
    "cases.reporting",
    "cases.exports",
    "cases.reorganization",
    "cases.demo",
    # Login security: lockouts (axes, before cases.accounts so that its signal
    # receivers run first), the second factor (django_otp), cases.accounts.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "cases.accounts",
    "workflows",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from the app server itself (behind the reverse proxy too).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "workflows.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The second factor: is the session verified; if not, only its own pages.
    "django_otp.middleware.OTPMiddleware",
    "cases.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "workflows.middleware.RequestContextMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

_db_url = os.environ.get("DATABASE_URL")
if not _db_url and (BASE_DIR / "scripts" / "localdb.sh").exists():
    # No DATABASE_URL: the project-local cluster that `make run` starts.
    import subprocess

    _db_url = subprocess.run(
        [str(BASE_DIR / "scripts" / "localdb.sh"), "url"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
if not _db_url:
    raise RuntimeError(
        "DATABASE_URL is not set. Use `make run` / `make test`, which start a project-local "
        "PostgreSQL, or export DATABASE_URL=postgres://user:pass@host:5432/dbname."
    )
# The URL in use (from the environment or the local cluster), for child processes.
DATABASE_URL = _db_url
# Persistent connections are checked before each request's first query, so a
# database restart costs the requests made while it is down, not the first one
# of each worker after it.
DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError("Only PostgreSQL is supported (DATABASE_URL must be postgres://...).")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: django-axes refuses a locked-out account or address before any
    # password is checked (so authenticate() must be given the request).
    "cases.accounts.lockouts.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row
GUARDIAN_RAISE_403 = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# whitenoise serves STATIC_ROOT (after `collectstatic`) and, with finders, the
# apps' static folders, so `make run` needs neither DEBUG nor `runserver --insecure`.
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Uploads: checked by content in cases.services; this is the hard cap.
MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", 10 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cases.accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # The token endpoint, per client address (cases.accounts.api.TokenRateThrottle).
    "DEFAULT_THROTTLE_RATES": {"auth_token": os.environ.get("API_TOKEN_RATE", "10/minute")},
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "workflows.api_errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "workflows.api_errors.Pagination",
    "PAGE_SIZE": 50,
}
# API tokens (django-rest-knox): a new one per request to /api/v1/auth/token/,
# stored as a SHA-512 digest, valid API_TOKEN_TTL_HOURS (default 10: a working day).
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(hours=float(os.environ.get("API_TOKEN_TTL_HOURS", "10"))),
    "AUTH_HEADER_PREFIX": "Token",  # unchanged for the clients
    "AUTO_REFRESH": False,
}

# Login lockout (django-axes, cases.accounts.lockouts): an account after
# LOGIN_FAILURE_LIMIT wrong passwords from any address, an address (a commune
# office shares one) after LOGIN_ADDRESS_FAILURE_LIMIT for any accounts, both
# for LOGIN_COOLOFF_MINUTES; the administrator lifts one earlier on
# /security/lockouts/. Attempts while locked out are refused and do not prolong it.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=float(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "cases.accounts.lockouts.LoginAttemptsHandler"
AXES_LOCKOUT_CALLABLE = "cases.accounts.lockouts.lockout_response"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False  # a login of one's own must not clear an address's failures
AXES_ENABLE_ADMIN = False  # the administrator's page is /security/lockouts/
AXES_VERBOSE = False

# Second factor (django-otp): the name authenticator apps show for the codes.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Caseflow")
OTP_LOGIN_URL = "otp_verify"

SPECTACULAR_SETTINGS = {
    "TITLE": "Case-management workflow engine API",
    "DESCRIPTION": "Commune-scoped case workflows for social-affairs offices.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from drf-spectacular-sidecar, not a CDN (the CSP allows only this site).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for a choice set that several fields use.
    "ENUM_NAME_OVERRIDES": {"HiddenRowsEnum": "cases.gifts.imports.HiddenRows.values"},
    # Every operation documents the errors it can answer (workflows.api_schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "workflows.api_schema.document_errors",
    ],
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
# A stuck SMTP server must not hold claimed notifications past their lease.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "no-reply@ldtbxh.local")
# The delivery worker's lease on claimed rows and first retry delay
# (notifications.delivery; the fault drill shortens them).
NOTIFICATIONS_LEASE_SECONDS = int(os.environ.get("NOTIFICATIONS_LEASE_SECONDS", "300"))
NOTIFICATIONS_RETRY_BASE_SECONDS = int(os.environ.get("NOTIFICATIONS_RETRY_BASE_SECONDS", "60"))
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# --- HTTPS and browser security --------------------------------------------------
# HTTPS=1 (production behind TLS) turns on redirects, secure cookies and a
# one-year HSTS; each setting can still be set on its own from the environment.
HTTPS = _env_flag("HTTPS")
SECURE_SSL_REDIRECT = _env_flag("SECURE_SSL_REDIRECT", HTTPS)
# Behind a reverse proxy that terminates TLS: "HTTP_X_FORWARDED_PROTO,https".
_proxy_header = _env_list("SECURE_PROXY_SSL_HEADER")
SECURE_PROXY_SSL_HEADER = (_proxy_header[0], _proxy_header[1]) if len(_proxy_header) == 2 else None
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
# The header only allows a submission to the browsers' preload list (hstspreload.org).
SECURE_HSTS_PRELOAD = _env_flag("SECURE_HSTS_PRELOAD", HTTPS)
SESSION_COOKIE_SECURE = _env_flag("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = _env_flag("CSRF_COOKIE_SECURE", HTTPS)
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS")
# A refused CSRF check answers JSON under /api/ and a Vietnamese page elsewhere.
CSRF_FAILURE_VIEW = "workflows.api_errors.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# An office computer is shared: a session ends after 8 hours or with the browser.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 8 * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts and styles only from this site,
# no inline script, no inline style, no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Exports (cases/exports): larger ones are built by `manage.py run_exports` in
# the background; their files are kept this many days.
EXPORT_INLINE_MAX_ROWS = int(os.environ.get("EXPORT_INLINE_MAX_ROWS", 5000))
EXPORT_DOCUMENT_INLINE_MAX_ROWS = int(os.environ.get("EXPORT_DOCUMENT_INLINE_MAX_ROWS", 500))
EXPORT_JOB_KEEP_DAYS = int(os.environ.get("EXPORT_JOB_KEEP_DAYS", 7))

# Uploaded workbooks and documents are read within bounds (cases/uploads: the
# caps and why). Sized for the largest real gift list, 26,553 rows x ~15 columns.
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", 100_000))
IMPORT_MAX_COLUMNS = int(os.environ.get("IMPORT_MAX_COLUMNS", 64))
IMPORT_MAX_CELLS = int(os.environ.get("IMPORT_MAX_CELLS", 2_000_000))
IMPORT_MAX_SHARED_STRINGS = int(os.environ.get("IMPORT_MAX_SHARED_STRINGS", 1_000_000))
IMPORT_MAX_UNCOMPRESSED_BYTES = int(
    os.environ.get("IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
)
IMPORT_MAX_COMPRESSION_RATIO = int(os.environ.get("IMPORT_MAX_COMPRESSION_RATIO", 100))
IMPORT_MAX_MEMBERS = int(os.environ.get("IMPORT_MAX_MEMBERS", 2_000))
# The child process that parses a workbook: memory (RLIMIT_AS), CPU time, wall clock.
IMPORT_PARSER_MEMORY_BYTES = int(os.environ.get("IMPORT_PARSER_MEMORY_BYTES", 1024 * 1024 * 1024))
IMPORT_PARSER_CPU_SECONDS = int(os.environ.get("IMPORT_PARSER_CPU_SECONDS", 30))
IMPORT_PARSER_TIMEOUT_SECONDS = float(os.environ.get("IMPORT_PARSER_TIMEOUT_SECONDS", 60))

# The demo replays the 2025 reorganisation after its 2024 history (tests of
# the 2024 world alone turn it off).
DEMO_REORGANIZATION = True
# The monthly allowances demo (`seed_demo`) replays 2024's payrolls in these
# communes (codes; None: all of them, [] : none). The people and the report's
# figures are the same whatever the choice; fewer communes, fewer payrolls.
DEMO_ALLOWANCE_COMMUNES: list[str] | None = None
