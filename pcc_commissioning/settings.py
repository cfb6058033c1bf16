"""Settings, all read from the environment (see the configuration table in README.md).

The embedded default (no variables set apart from DEBUG=1) is a SQLite file and Celery in
eager mode, so ``make run`` works on a fresh machine. Production sets DEBUG=0 and gets the
security settings on by default.
"""

import datetime
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

DEVELOPMENT_SECRET_KEY = "development-only-key-never-use-in-production-0123456789abcdef"
SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off: the development key is public.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The organisation running the service, shown in the header and on reports.
OPCC_NAME = env("OPCC_NAME", default="Office of the Police and Crime Commissioner")
# Published reports show counts of people from 1 to this number less one as "<5", so that nobody
# can be picked out from a small count (docs/formats.md "Panel report PDF").
PUBLISHED_COUNT_THRESHOLD = env.int("PUBLISHED_COUNT_THRESHOLD", default=5)
# The 360Giving export (docs/formats.md "360Giving JSON"): grant ids are 360G-<prefix>-<award reference>; the funder is
# OPCC_ORG_ID / OPCC_NAME; the beneficiary location is the force area FORCE_AREA_CODE (an ONS
# E23 code) named FORCE_AREA_NAME, or when blank the one force area in the needs assessment.
THREESIXTY_GIVING_PREFIX = env("THREESIXTY_GIVING_PREFIX", default="pccdurham")
OPCC_ORG_ID = env("OPCC_ORG_ID", default="360G-pccdurham-opcc")
FORCE_AREA_CODE = env("FORCE_AREA_CODE", default="")
FORCE_AREA_NAME = env("FORCE_AREA_NAME", default="")
SERVICE_NAME = "PCC Commissioning"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_forms_gds",
    "django_filters",
    "django_htmx",
    "simple_history",
    "pcc_commissioning",
    "providers",
    "outcomes",
    "needs_assessment",
    "delivery",
    "grants",
    "rounds",
    "reports",
    "portal",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "pcc_commissioning.security.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # /health/ answers here, before anything touches the database (503 when it is down).
    "pcc_commissioning.views.HealthFirstMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Signs out a session SESSION_COOKIE_AGE after sign-in (pcc_commissioning/security.py).
    "pcc_commissioning.security.SessionDeadlineMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

# Every form's labels and hints are escaped, whatever template shows them (form_rendering.py).
FORM_RENDERER = "pcc_commissioning.form_rendering.FormRenderer"
ROOT_URLCONF = "pcc_commissioning.urls"
WSGI_APPLICATION = "pcc_commissioning.wsgi.application"

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
                "pcc_commissioning.context_processors.service",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "pcc_commissioning.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# A session lasts at most SESSION_COOKIE_AGE from sign-in (a working day), and its cookie is
# dropped when the browser closes (shared office machines).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# The session's store: the database, with an absolute deadline (pcc_commissioning/sessions.py).
SESSION_ENGINE = "pcc_commissioning.sessions"
# Sign-in throttling (pcc_commissioning/security.py): after LOGIN_FAILURE_LIMIT failed sign-ins
# for one username, or LOGIN_FAILURE_LIMIT_PER_ADDRESS from one client address, within
# LOGIN_LOCKOUT_SECONDS, sign-ins for it are refused for LOGIN_LOCKOUT_SECONDS.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=30)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=15 * 60)
# Password-reset e-mails: at most this many per e-mail address, and per client address, in
# RESET_REQUEST_WINDOW_SECONDS; further requests get the same page and send nothing.
RESET_REQUEST_LIMIT_PER_EMAIL = env.int("RESET_REQUEST_LIMIT_PER_EMAIL", default=3)
RESET_REQUEST_LIMIT_PER_ADDRESS = env.int("RESET_REQUEST_LIMIT_PER_ADDRESS", default=10)
RESET_REQUEST_WINDOW_SECONDS = env.int("RESET_REQUEST_WINDOW_SECONDS", default=60 * 60)
# Behind a reverse proxy, the client's address is the last one in X-Forwarded-For.
LOGIN_CLIENT_IP_FROM_X_FORWARDED_FOR = env.bool("LOGIN_CLIENT_IP_FROM_X_FORWARDED_FOR", default=False)
# The throttles count in the default cache, which every process serving the site must share
# (gunicorn's workers each have their own memory): Redis when CACHE_URL is set, otherwise a
# table in the database (made by pcc_commissioning's migrations). Drawn charts are kept in
# "charts": per process when CACHE_URL is unset, as they are only a saving of work. An import
# job's rows checked go to "progress", never to the database: the job writes them from inside
# the import's transaction, where a database cache's rows would stay unseen (and locked) until
# the end. The page and the worker share them through Redis; without CACHE_URL the page shows
# "0 of T rows checked" until the job ends.
CACHE_URL = env("CACHE_URL", default="")
CACHES = {
    "default": (
        env.cache_url_config(CACHE_URL)
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "pcc_cache"}
    ),
    "charts": env.cache_url_config(CACHE_URL or "locmemcache://charts"),
    "progress": env.cache_url_config(CACHE_URL or "locmemcache://progress"),
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "/media/"
# Uploads are served through permission-checked views, never straight from this folder.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The most rows (after the header) one CSV/XLSX import reads; a longer file is refused (docs/formats.md).
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=100_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=UPLOAD_MAX_BYTES + 1_000_000)

# Production security: on by default whenever DEBUG is off, each overridable.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Sent on every response by pcc_commissioning.security.ContentSecurityPolicyMiddleware. No
# 'unsafe-inline': templates have no inline scripts or styles; charts are data: URI images.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "style-src": ["'self'"],
    "script-src": ["'self'"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
SESSION_COOKIE_HTTPONLY = True

# Celery: Redis in production; with no broker configured tasks run eagerly, in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# CELERY_VISIBILITY_TIMEOUT: Redis hands a job held by a worker that died to another after this
# many seconds (acks_late).
# Longer than REPORT_TIME_LIMIT_SECONDS, so a job still being built is never handed out twice;
# the report sweep notices a dead worker sooner, by its heartbeat (REPORT_WORKER_LOST_AFTER_SECONDS).
_visibility_timeout = env.int("CELERY_VISIBILITY_TIMEOUT", default=900)
# Sending a job must never keep a web request waiting on a broker that is down: connecting gives
# up after CELERY_BROKER_CONNECT_TIMEOUT seconds and publishing tries once more, at once; the
# report stays queued and the every-minute requeue sends it when the broker is back.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=2.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _visibility_timeout,
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": 10,  # longer than the worker's 1-second wait for jobs
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_TIMEZONE = TIME_ZONE
# Daily at 06:30 (grants.calendar.daily; the same as `manage.py run_daily_jobs`): award
# statuses follow the calendar, return schedules and payment-plan instalments are reconciled,
# then reminders go out (returns due soon or late, due-diligence documents expiring, contracts
# ending; each once per item and stage).
CELERY_BEAT_SCHEDULE: dict = {
    "run-daily-jobs": {"task": "grants.tasks.run_daily_jobs", "schedule": crontab(hour=6, minute=30)},
    # Every minute: reports whose worker stopped (stale heartbeat), that no worker started, or
    # that run too long are queued again or failed (reports.engine.services._recover_stopped), then the
    # waiting ones are sent.
    "sweep-stuck-reports": {"task": "reports.tasks.sweep_stuck_reports", "schedule": crontab()},
    # Every minute: a report requested while the broker was down is sent once it is back.
    "requeue-waiting-reports": {"task": "reports.tasks.requeue_waiting_reports", "schedule": crontab()},
}
# The report engine's clocks (see the README's Configuration and Failure recovery sections).
# While building, the worker records a sign of life at least this often…
REPORT_HEARTBEAT_SECONDS = env.int("REPORT_HEARTBEAT_SECONDS", default=30)
# …and a running report without one for this long lost its worker: it runs again or fails.
REPORT_WORKER_LOST_AFTER_SECONDS = env.int("REPORT_WORKER_LOST_AFTER_SECONDS", default=150)
# A report sent to the queue but not started after this long is sent again or fails.
REPORT_START_TIMEOUT_MINUTES = env.int("REPORT_START_TIMEOUT_MINUTES", default=10)
# How many times a report is handed to a worker (sent, or sent again) before it is failed.
REPORT_MAX_ATTEMPTS = env.int("REPORT_MAX_ATTEMPTS", default=2)
# Celery's limits for building one report: the soft one stops the builder (the report fails,
# saying so), the hard one ends the worker process if the builder ignores that.
REPORT_SOFT_TIME_LIMIT_SECONDS = env.int("REPORT_SOFT_TIME_LIMIT_SECONDS", default=540)
REPORT_TIME_LIMIT_SECONDS = env.int("REPORT_TIME_LIMIT_SECONDS", default=600)
# A report running this long, though its worker is alive (a builder that hangs), is failed.
REPORT_STUCK_AFTER_MINUTES = env.int("REPORT_STUCK_AFTER_MINUTES", default=30)

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="commissioning@localhost")

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# Commissioning rules (editable per deployment).
DUE_DILIGENCE_WARNING_DAYS = env.int("DUE_DILIGENCE_WARNING_DAYS", default=60)
# Marking an award awarded, or recording or approving a payment, for an organisation whose
# required due-diligence documents are missing or expired: a warning that a reason overrides
# (False), or a block until the documents are on file (True).
DUE_DILIGENCE_BLOCKS = env.bool("DUE_DILIGENCE_BLOCKS", default=False)
# An award whose lines total more than this needs a signed PCC decision before it is awarded.
DELEGATED_LIMIT = Decimal(env("DELEGATED_LIMIT", default="25000"))

# Monitoring returns: the app schedules one per award per quarter from this date (or the award's
# start, whichever is later); older quarters come only from imports.
try:
    MONITORING_START = datetime.date.fromisoformat(env("MONITORING_START", default="2019-04-01"))
except ValueError as error:
    raise ImproperlyConfigured("MONITORING_START must be a date written YYYY-MM-DD.") from error
# A return is due this many days after its quarter ends, and late after that.
RETURN_DUE_DAYS = env.int("RETURN_DUE_DAYS", default=20)
# Reminders: providers about returns due within this many days; officers about contracts ending.
REMINDER_DUE_SOON_DAYS = env.int("REMINDER_DUE_SOON_DAYS", default=7)
CONTRACT_ENDING_DAYS = env.int("CONTRACT_ENDING_DAYS", default=90)
# Payments on an award may be scheduled but not marked paid until its agreement is accepted by the
# provider's signatory (True); False lets finance pay without an accepted agreement.
PAYMENT_NEEDS_ACCEPTED_AGREEMENT = env.bool("PAYMENT_NEEDS_ACCEPTED_AGREEMENT", default=True)
# The personal data of a closed award and its returns (case studies, feedback, named contacts)
# may be deleted this many years after the award closed.
PERSONAL_DATA_RETENTION_YEARS = env.int("PERSONAL_DATA_RETENTION_YEARS", default=6)
if PERSONAL_DATA_RETENTION_YEARS < 0:
    raise ImproperlyConfigured("PERSONAL_DATA_RETENTION_YEARS must be a whole number of years, 0 or more.")
# An invitation to a provider's user works for this many days after it is sent (or re-sent).
INVITATION_DAYS = env.int("INVITATION_DAYS", default=14)
if INVITATION_DAYS < 1:
    raise ImproperlyConfigured("INVITATION_DAYS must be a whole number of days, 1 or more.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every step of every page at INFO: keep its warnings only.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
