"""Configuration classes: every setting comes from the environment."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("NRHUB_INSTANCE_PATH", BASE_DIR / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# Refused in production (see nrhub.create_app): the real key comes from the environment.
DEV_SECRET_KEY = "dev-only-change-me"  # noqa: S105
OCDS_PLACEHOLDER_PREFIX = "ocds-nrhub"  # not a registered prefix: a conformance error


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'nrhub.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {}
    # A pooled PostgreSQL connection left unused this long is checked before use (and
    # replaced if a restart or the network closed it); see nrhub.db.ping_when_idle.
    DATABASE_PING_IDLE_SECONDS = _int("DATABASE_PING_IDLE_SECONDS", 2)
    SQLITE_BUSY_TIMEOUT_MS = _int("SQLITE_BUSY_TIMEOUT_MS", 15000)

    # Sessions and cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 30 * 1024 * 1024)
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")
    PROXY_FIX_HOPS = _int("PROXY_FIX_HOPS", 0)
    # Links in e-mails sent outside a request (cron commands): the public address of the hub.
    BASE_URL = os.environ.get("BASE_URL", "")

    # Languages
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    LANGUAGES = ("fr", "en")

    # Mail: written to the console and instance/mail/ unless SMTP is configured
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "file")
    MAIL_FILE_PATH = os.environ.get("MAIL_FILE_PATH", str(INSTANCE_DIR / "mail"))
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "nrhub <ne-pas-repondre@nrhub.fr>")
    # The address people write to (pages and mails name it): read by the hub's team, unlike
    # the sender above.
    HUB_CONTACT_EMAIL = os.environ.get("HUB_CONTACT_EMAIL", "contact@nrhub.fr")
    # E-mails wait in the outbox table until their transaction commits. On: sent right after
    # the commit by the process that wrote them. Off (production default): sent by the cron
    # command `flask --app nrhub mail send`, so that no request waits for the mail server.
    MAIL_SEND_AT_ONCE = _bool("MAIL_SEND_AT_ONCE", False)

    # Rate limits and account lock
    # Each worker's memory by default (nrhub.ratelimit), redis://... to share the counters.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "nrhub-memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute")
    # Sign-ups per client address (each creates an organisation and e-mails people).
    SIGNUP_RATE_LIMIT = os.environ.get("SIGNUP_RATE_LIMIT", "10 per hour")
    # Failures from one address lock that address out of the account; failures from all
    # addresses lock the whole account, briefly (nrhub.auth.lockout says why).
    LOGIN_MAX_FAILURES = _int("LOGIN_MAX_FAILURES", 5)
    LOGIN_LOCK_MINUTES = _int("LOGIN_LOCK_MINUTES", 15)
    LOGIN_ACCOUNT_MAX_FAILURES = _int("LOGIN_ACCOUNT_MAX_FAILURES", 20)
    LOGIN_ACCOUNT_LOCK_MINUTES = _int("LOGIN_ACCOUNT_LOCK_MINUTES", 2)

    # Cache (Flask-Caching): in each worker's memory by default; with CACHE_REDIS_URL,
    # shared by every worker in Redis. The public catalogue (filter lists, rendered results)
    # and the hub dashboard are kept at most that many seconds; every committed write of
    # the application makes them stale at once, whichever worker made it (nrhub.caching).
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL", "")
    CACHE_TYPE = "RedisCache" if CACHE_REDIS_URL else "SimpleCache"
    CACHE_DEFAULT_TIMEOUT = 300
    CACHE_THRESHOLD = _int("CACHE_THRESHOLD", 500)  # entries kept per worker (SimpleCache)
    CACHE_KEY_PREFIX = "nrhub:"
    CATALOGUE_CACHE_SECONDS = _int("CATALOGUE_CACHE_SECONDS", 300)
    # 0 turns either cache off.
    STATS_CACHE_SECONDS = _int("STATS_CACHE_SECONDS", 300)
    # The offers of a campaign page (their orders are always read fresh).
    CAMPAIGN_CACHE_SECONDS = _int("CAMPAIGN_CACHE_SECONDS", 300)
    # The person of a session cookie and their organisation, read on every request of a
    # logged-in person (nrhub.auth.services.user_for_session).
    ACCOUNT_CACHE_SECONDS = _int("ACCOUNT_CACHE_SECONDS", 60)

    # Passwords: argon2id with OWASP's first configuration (m=19 MiB, t=2, p=1), which
    # RFC 9106 §4 allows when memory is the constraint: a web worker serves many logins at
    # once. https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html
    # A stored hash made with other parameters is rehashed at the next successful login.
    ARGON2_TIME_COST = _int("ARGON2_TIME_COST", 2)
    ARGON2_MEMORY_COST = _int("ARGON2_MEMORY_COST", 19456)
    ARGON2_PARALLELISM = _int("ARGON2_PARALLELISM", 1)

    # Hub choices
    CATALOGUE_PRICES_PUBLIC = _bool("CATALOGUE_PRICES_PUBLIC", True)
    PUBLIC_DEPARTMENT_STATS = _bool("PUBLIC_DEPARTMENT_STATS", True)
    # Open contract data: the hub's OCDS prefix (ocds-xxxxxx, registered with the OCP). The
    # default is a placeholder: the coordinators are warned, and production refuses it.
    OCDS_OCID_PREFIX = os.environ.get("OCDS_OCID_PREFIX", OCDS_PLACEHOLDER_PREFIX)
    # The CCAG the hub's contracts refer to, a DECP "ccag" value (IT supplies: CCAG-TIC).
    DECP_CCAG = os.environ.get("DECP_CCAG", "Techniques de l'information et de la communication")
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    # Stock import previews waiting for confirmation (default: next to UPLOAD_DIR).
    IMPORT_DIR = os.environ.get("IMPORT_DIR", "")


class DevelopmentConfig(Config):
    DEBUG = True
    MAIL_SEND_AT_ONCE = _bool("MAIL_SEND_AT_ONCE", True)
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    PREFERRED_URL_SCHEME = "http"


class ProductionConfig(Config):
    pass


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"  # noqa: S105
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    PREFERRED_URL_SCHEME = "http"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    RATELIMIT_STORAGE_URI = "nrhub-memory://"
    MAIL_BACKEND = "locmem"
    MAIL_SEND_AT_ONCE = True
    CACHE_TYPE = "NullCache"  # every test sees fresh data
    CACHE_NO_NULL_WARNING = True


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}
