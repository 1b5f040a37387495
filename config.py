"""Configuration classes. Each reads the environment; production refuses to start without secrets."""

from __future__ import annotations

import ipaddress
import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent


class ConfigError(RuntimeError):
    """Raised when a configuration cannot be used safely."""


class Config:
    NAME = "base"
    DEBUG = False
    TESTING = False
    SECRET_KEY: str | None = None
    DATABASE_URL: str | None = None
    DEMO_ALLOWED = False

    # Sessions are stored server-side (app/auth/sessions.py); the cookie holds only a random token.
    SESSION_COOKIE_NAME = "waypoint_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)

    # Login throttling: failures counted over a sliding window. This many failures for one account (from any
    # address) lock it for LOGIN_LOCKOUT; this many for one account from one address refuse that account's
    # attempts from that address. Never by address alone: a prison's officers may all share one address, and
    # a burst from it must not shut them all out (it raises an alert instead, ALERT_FAILED_LOGINS). An admin
    # clears a user's lockout and failures on the user's page.
    LOGIN_WINDOW = timedelta(minutes=15)
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS_ACCOUNT = 5
    LOGIN_LOCKOUT = timedelta(minutes=15)

    # Alerts for supervisors (app/oversight/alerts.py): this many subject views by one user within the
    # window, and this many failed sign-ins from one address or for one username within LOGIN_WINDOW.
    ALERT_VIEW_THRESHOLD = 50
    ALERT_VIEW_WINDOW = timedelta(minutes=5)
    ALERT_FAILED_LOGINS = 10

    # The most events one audit extract holds; past it the file says it is cut (app/exports).
    AUDIT_EXTRACT_MAX_EVENTS = 20_000

    # Second factor (TOTP, RFC 6238): required for these roles before they can do anything else.
    TOTP_REQUIRED_ROLES: tuple[str, ...] = ("supervisor", "admin")
    TOTP_ISSUER = "Waypoint"
    # How long a sign-in may wait between a right password and its code.
    TOTP_CODE_TIMEOUT = timedelta(minutes=5)
    # Approving, returning, exporting and changing a user's access ask for the password again after this.
    REAUTH_AFTER = timedelta(minutes=15)

    # Argon2id parameters (RFC 9106 "second recommended option" scaled for a 2-core server).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 2

    PASSWORD_MIN_LENGTH = 12
    PASSWORD_MAX_LENGTH = 128
    PASSWORD_MIN_SCORE = 3

    WTF_CSRF_ENABLED = True
    # Checked by our own hook (app/web.py) after the user is known, so that a refusal names who it was.
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_TIME_LIMIT: int | None = None  # the token lives as long as the server-side session
    BOOTSTRAP_SERVE_LOCAL = True
    HSTS = False
    PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE"
    # Retention (DESIGN §4): how long after a record's last activity it is reviewed for erasure, by custody
    # status. None: never while the person is in custody. Set these to the service's retention schedule.
    RETENTION_PERIODS: dict[str, timedelta | None] = {
        "remand": None,
        "sentenced": None,
        "community_sentence": timedelta(days=round(365.25 * 7)),
        "released_on_licence": timedelta(days=round(365.25 * 10)),
        "ended": timedelta(days=round(365.25 * 6)),
    }
    # Case conferences (app/conferences/decisions.py): the decisions a conference may record about a person, as
    # (code, label); the code is stored, the label shown in the reader's language (a string, or a mapping of
    # language code to string that holds the service's language). A service with its own list names a file of
    # "code = Label" and "code[fr] = Libellé" lines in WAYPOINT_CONFERENCE_DECISIONS; either is checked at
    # start-up.
    CONFERENCE_DECISIONS: tuple[tuple[str, str | dict[str, str]], ...] = (
        ("continue_monitoring", {"en": "Continue monitoring", "fr": "Poursuivre le suivi",
                                 "ar": "مواصلة المتابعة"}),
        ("refer_to_intervention", {"en": "Refer to an intervention", "fr": "Orienter vers une intervention",
                                   "ar": "الإحالة إلى تدخل"}),
        ("start_assessment", {"en": "Start an assessment", "fr": "Engager une évaluation", "ar": "بدء تقييم"}),
        ("escalate", {"en": "Escalate", "fr": "Saisir l'échelon supérieur", "ar": "الرفع إلى المستوى الأعلى"}),
        ("close", {"en": "Close", "fr": "Clôturer le dossier", "ar": "إغلاق الملف"}),
    )
    CONFERENCE_DECISIONS_FILE: str | None = None
    # How many reverse proxies in front of Waypoint set X-Forwarded-For/-Proto (0: none, trust no header).
    PROXY_HOPS = 0
    # The addresses (or CIDR networks) of those proxies, and "unix" for a peer on a unix socket: the
    # headers are believed only when the request comes straight from one of them. A client that reaches
    # gunicorn without the proxy is recorded, throttled and answered at its own address, whatever it sends.
    TRUSTED_PROXIES: tuple[str, ...] = ()

    # Request size (WAYPOINT_MAX_REQUEST_BYTES): a body larger than this gets the 413 page before any of it is
    # read. The largest form, an assessment with every evidence field written at length, is far smaller.
    MAX_CONTENT_LENGTH = 1024 * 1024
    # Pages that take a file (marked @accepts_upload in app/web.py: a roll import, a case package) may receive
    # up to this much instead (WAYPOINT_MAX_UPLOAD_BYTES).
    MAX_UPLOAD_BYTES = 20 * 1024 * 1024
    # `flask subjects import`: the largest file it reads (about 100,000 rows) and the longest line (a row is a
    # few hundred characters); past either it stops reading and says so, rather than reading without end.
    ROLL_IMPORT_MAX_BYTES = 20 * 1024 * 1024
    ROLL_IMPORT_MAX_LINE_CHARS = 10_000
    # Information sharing (app/sharing): the legal bases and exemptions the service uses (a data file); where the
    # installation's Ed25519 key pair for signing case packages lives (outside the database; `flask packages
    # keygen` makes it); the folder of public keys whose packages this installation accepts, one `<sender>.pub`
    # (PEM) per sending service; this installation's name as a sender; the largest package accepted.
    LEGAL_BASES_FILE = str(BASE_DIR / "config" / "legal_bases.yaml")
    PACKAGE_KEY_DIR = os.environ.get("PACKAGE_KEY_DIR", str(BASE_DIR / "instance" / "keys"))
    TRUSTED_KEYS_DIR = os.environ.get("TRUSTED_KEYS_DIR", str(BASE_DIR / "instance" / "trusted_keys"))
    SERVICE_NAME = os.environ.get("WAYPOINT_SERVICE_NAME", "Waypoint")
    SERVICE_COUNTRY = os.environ.get("WAYPOINT_SERVICE_COUNTRY", "GB")  # ISO 3166-1 alpha-2
    PACKAGE_MAX_BYTES = 5 * 1024 * 1024
    # Languages (app/i18n.py): those offered (code → name in itself), the service's default
    # (WAYPOINT_LANGUAGE), used for users who chose none and for the command line. Times are shown in UTC.
    LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "ar": "العربية"}
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = "translations"  # app/translations
    PSEUDO_LOCALE: str | None = None  # tests only (tests/pseudo_locale.py)
    # Days an inbound request for information may wait for its decision when the request names no date.
    DISCLOSURE_REQUEST_DAYS = 30

    @classmethod
    def settings(cls) -> dict[str, Any]:
        """The settings as a dict for `app.config`, checked for this environment."""
        values = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
        values["SQLALCHEMY_DATABASE_URI"] = values.pop("DATABASE_URL")
        values["MAX_CONTENT_LENGTH"] = _bytes_from_env("WAYPOINT_MAX_REQUEST_BYTES", cls.MAX_CONTENT_LENGTH)
        values["MAX_UPLOAD_BYTES"] = _bytes_from_env("WAYPOINT_MAX_UPLOAD_BYTES", cls.MAX_UPLOAD_BYTES)
        values["CONFERENCE_DECISIONS_FILE"] = os.environ.get("WAYPOINT_CONFERENCE_DECISIONS") or None
        language = os.environ.get("WAYPOINT_LANGUAGE", "").strip() or cls.BABEL_DEFAULT_LOCALE
        if language not in cls.LANGUAGES:
            raise ConfigError(f"WAYPOINT_LANGUAGE={language!r}: Waypoint speaks {', '.join(cls.LANGUAGES)}")
        values["BABEL_DEFAULT_LOCALE"] = language
        # One field of a form may fill the request (Flask's own default stops a field at 500 KB, less than the
        # limit above, with the same 413 but a limit the page could not name).
        values["MAX_FORM_MEMORY_SIZE"] = values["MAX_CONTENT_LENGTH"]
        return values


def _bytes_from_env(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise ConfigError(f"{name} must be a whole number of bytes (for example {default}), not {text!r}")
    return int(text)


class DevelopmentConfig(Config):
    NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    DATABASE_URL = os.environ.get(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'waypoint.sqlite3'}"
    )
    DEMO_ALLOWED = True


class TestingConfig(Config):
    NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-only-not-secret"  # noqa: S105 - test configuration
    DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite://")
    DEMO_ALLOWED = True
    # Keys of case packages made by a test that names no folder of its own (a demo seed) go to a folder of the
    # test process, never to the checkout's instance/.
    PACKAGE_KEY_DIR = str(Path(tempfile.gettempdir()) / f"waypoint-test-{os.getpid()}" / "keys")
    TRUSTED_KEYS_DIR = str(Path(tempfile.gettempdir()) / f"waypoint-test-{os.getpid()}" / "trusted_keys")
    # Cheaper Argon2id so that the suite stays fast; still Argon2id, still salted.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8192
    ARGON2_PARALLELISM = 1


class ProductionConfig(Config):
    NAME = "production"
    # The __Host- prefix makes the browser insist on Secure, Path=/ and no Domain.
    SESSION_COOKIE_NAME = "__Host-waypoint_session"
    SESSION_COOKIE_SECURE = True
    HSTS = True

    @classmethod
    def settings(cls) -> dict[str, Any]:
        secret = os.environ.get("SECRET_KEY", "")
        url = os.environ.get("DATABASE_URL", "")
        missing = [name for name, value in (("SECRET_KEY", secret), ("DATABASE_URL", url)) if not value]
        if missing:
            raise ConfigError(f"production configuration needs {', '.join(missing)} in the environment")
        if len(secret) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters in production")
        values = super().settings()
        values["SECRET_KEY"] = secret
        values["SQLALCHEMY_DATABASE_URI"] = url
        values["PROTECTIVE_MARKING"] = os.environ.get("PROTECTIVE_MARKING", Config.PROTECTIVE_MARKING)
        values["PROXY_HOPS"] = int(os.environ.get("PROXY_HOPS", "1"))
        # Default: the proxy runs on the same host (loopback, or a unix socket), as README's deployment has it.
        values["TRUSTED_PROXIES"] = trusted_proxies(os.environ.get("TRUSTED_PROXIES", DEFAULT_TRUSTED_PROXIES))
        return values


DEFAULT_TRUSTED_PROXIES = "127.0.0.0/8,::1,unix"
UNIX_SOCKET_PEER = "unix"


def trusted_proxies(text: str) -> tuple[str, ...]:
    """TRUSTED_PROXIES as given in the environment ("10.0.0.5, 10.1.0.0/16, ::1, unix"), each entry checked.

    Refuses an entry that is not an address or network, or a network written with host bits set
    ("10.0.0.1/24"), which is more often a typo than the network meant."""
    entries = []
    for raw in text.split(","):
        entry = raw.strip()
        if not entry:
            continue
        if entry == UNIX_SOCKET_PEER:
            entries.append(entry)
            continue
        try:
            entries.append(str(ipaddress.ip_network(entry)))
        except ValueError as exc:
            raise ConfigError(f"TRUSTED_PROXIES: {entry!r} is not an address or network ({exc})") from exc
    return tuple(entries)


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None = None) -> type[Config]:
    """The config class named by `name` or by WAYPOINT_ENV (default: development)."""
    key = name or os.environ.get("WAYPOINT_ENV", "development")
    try:
        return CONFIGS[key]
    except KeyError as exc:
        raise ConfigError(f"unknown WAYPOINT_ENV {key!r}; use one of {', '.join(CONFIGS)}") from exc
