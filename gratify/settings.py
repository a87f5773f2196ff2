"""One frozen `Settings`, read from ``GRATIFY_*`` environment variables and an optional TOML file.

Every setting is declared once, in `Settings`, with its default and meaning; the table in
``docs/settings.md`` is rendered from these declarations (``gratify settings --markdown``),
and a test keeps the two equal. Environment variables win over the file, the file wins over
the defaults.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_type_hints
from urllib.parse import urlsplit, urlunsplit

ENV_PREFIX = "GRATIFY_"
# Top-level tables of the config file that are not settings (read by their own loaders).
OTHER_TABLES = frozenset({"tenants"})


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names it."""


def setting(default: Any, doc: str, *, secret: bool = False) -> Any:
    """Declare one setting: its default, one line of meaning, and whether it is secret."""
    return dataclasses.field(default=default, metadata={"doc": doc, "secret": secret})


def redact_url(url: str) -> str:
    """The URL with any password replaced, fit for a log line or a repr."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    """Everything an operator can set. Immutable: build a new one with `with_changes`."""

    data_dir: Path = setting(
        Path("gratify-data"),
        "Where the SQLite database (with the sealed attachments in it) and the mail outbox live.",
    )
    database_url: str = setting(
        "",
        "SQLAlchemy URL of the database; empty means SQLite at `<data_dir>/gratify.sqlite3`. "
        "Use `postgresql+asyncpg://user:password@host/db` for PostgreSQL.",
        secret=True,
    )
    keys_dir: Path | None = setting(
        None, "Where the key files live; empty means `<data_dir>/keys`."
    )
    smtp_url: str = setting(
        "",
        "`smtp://user:password@host:port` (STARTTLS) or `smtps://…` (TLS); empty writes mail "
        "to `<data_dir>/outbox/` for the operator to read.",
        secret=True,
    )
    public_url: str = setting(
        "http://127.0.0.1:8000", "The address people use to reach this site, for links in mail."
    )
    mail_from: str = setting(
        "gratify@localhost", "The sender address of the mail the site sends (`From:`)."
    )
    host: str = setting("127.0.0.1", "Address `gratify serve` listens on.")
    port: int = setting(8000, "Port `gratify serve` listens on.")
    workers: int = setting(1, "Worker processes for `gratify serve`.")
    default_language: str = setting(
        "id", "Language of pages and errors when the visitor has not chosen one (`id` or `en`)."
    )
    secure_cookies: bool = setting(
        False, "Mark cookies `Secure` and use the `__Host-` prefix; turn on behind TLS."
    )
    crypto_threads: int = setting(
        2,
        "Threads for Argon2 and bulk encryption; their memory is threads x argon2_memory_kib.",
    )
    argon2_time_cost: int = setting(3, "Argon2id passes for new key derivations and passwords.")
    argon2_memory_kib: int = setting(
        65536, "Argon2id memory in KiB for new key derivations and passwords."
    )
    argon2_parallelism: int = setting(1, "Argon2id lanes for new key derivations and passwords.")
    log_level: str = setting("INFO", "Level of the server log (`DEBUG`, `INFO`, `WARNING`).")
    timezone: str = setting(
        "Asia/Jakarta", "Time zone of the tenants' working days and of dates shown (IANA name)."
    )
    max_attachment_bytes: int = setting(
        20 * 1024 * 1024, "Largest attachment accepted, in bytes (before encryption)."
    )
    max_attachments: int = setting(10, "Most attachments accepted with one report or message.")
    max_text_chars: int = setting(20_000, "Longest free-text answer accepted, in characters.")
    server_timing: bool = setting(
        False,
        "Add `Server-Timing: app;dur=<ms>` to every answer (for benchmarks). Off by default: "
        "exact server times make timing attacks easier.",
    )
    forms_dir: Path | None = setting(
        None,
        "Folder of per-tenant report forms, `<tenant>.toml` in the format of "
        "`gratify/intake/forms.toml`; tenants without a file use the built-in forms.",
    )
    stats_min_count: int = setting(
        5,
        "Public statistics: a count below this is withheld, with the figures that would "
        "give it away (docs/statistics.md); at least 3.",
    )

    def __repr__(self) -> str:
        shown = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.metadata["secret"] and value:
                value = redact_url(str(value)) if "://" in str(value) else "***"
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"

    __str__ = __repr__

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force: the configured one, or SQLite under the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'gratify.sqlite3').resolve()}"

    @property
    def resolved_keys_dir(self) -> Path:
        """The keys folder in force: the configured one, or `keys/` under the data dir."""
        return self.keys_dir if self.keys_dir is not None else self.data_dir / "keys"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    def with_changes(self, **changes: Any) -> Settings:
        """A copy with some settings changed, validated like a fresh load."""
        return _validated(dataclasses.replace(self, **changes))

    @classmethod
    def load(
        cls, environ: Mapping[str, str] | None = None, config_file: Path | None = None
    ) -> Settings:
        """Read the file (if given, or named by ``GRATIFY_CONFIG``) and then the environment."""
        env = os.environ if environ is None else environ
        raw: dict[str, Any] = {}
        config_path = config_file or (
            Path(env["GRATIFY_CONFIG"]) if env.get("GRATIFY_CONFIG") else None
        )
        if config_path is not None:
            try:
                with config_path.open("rb") as fh:
                    raw.update(tomllib.load(fh))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise SettingsError(f"cannot read config file {config_path}: {exc}") from exc
        names = {f.name for f in dataclasses.fields(cls)}
        for table in OTHER_TABLES:
            raw.pop(table, None)
        unknown = set(raw) - names
        if unknown:
            raise SettingsError(f"unknown settings in {config_path}: {', '.join(sorted(unknown))}")
        for name in names:
            key = ENV_PREFIX + name.upper()
            if key in env:
                raw[name] = env[key]
        hints = get_type_hints(cls)
        values = {name: _coerce(name, hints[name], value) for name, value in raw.items()}
        return _validated(cls(**values))


def _coerce(name: str, hint: Any, value: Any) -> Any:
    text = str(value).strip() if not isinstance(value, bool | int) else value
    try:
        if hint is bool or hint == "bool":
            if isinstance(text, bool):
                return text
            lowered = str(text).lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(f"not a yes/no value: {value!r}")
        if hint is int:
            return int(text)
        if hint is Path:
            return Path(str(text))
        if hint == Path | None:
            return Path(str(text)) if str(text) else None
        return str(text)
    except ValueError as exc:
        raise SettingsError(f"{ENV_PREFIX}{name.upper()}: {exc}") from exc


def _validated(s: Settings) -> Settings:
    if s.default_language not in {"id", "en"}:
        raise SettingsError(
            f"{ENV_PREFIX}DEFAULT_LANGUAGE must be 'id' or 'en', not {s.default_language!r}"
        )
    for name in (
        "port",
        "workers",
        "crypto_threads",
        "argon2_time_cost",
        "argon2_parallelism",
        "max_attachment_bytes",
        "max_attachments",
        "max_text_chars",
    ):
        if getattr(s, name) < 1:
            raise SettingsError(f"{ENV_PREFIX}{name.upper()} must be at least 1")
    if s.stats_min_count < 3:
        raise SettingsError(f"{ENV_PREFIX}STATS_MIN_COUNT must be at least 3")
    if s.argon2_memory_kib < 8 * s.argon2_parallelism:
        raise SettingsError(f"{ENV_PREFIX}ARGON2_MEMORY_KIB must be at least 8 x parallelism")
    try:
        zoneinfo.ZoneInfo(s.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(f"{ENV_PREFIX}TIMEZONE: unknown time zone {s.timezone!r}") from exc
    url = s.resolved_database_url
    if not (url.startswith("sqlite+aiosqlite://") or url.startswith("postgresql+asyncpg://")):
        raise SettingsError(
            f"{ENV_PREFIX}DATABASE_URL must start with sqlite+aiosqlite:// or "
            f"postgresql+asyncpg://, not {redact_url(url)!r}"
        )
    if s.smtp_url and urlsplit(s.smtp_url).scheme not in {"smtp", "smtps"}:
        raise SettingsError(f"{ENV_PREFIX}SMTP_URL must start with smtp:// or smtps://")
    return s


def settings_table() -> str:
    """The Markdown table of every setting: environment name, default and meaning."""
    rows = ["| environment variable | default | meaning |", "|---|---|---|"]
    for f in dataclasses.fields(Settings):
        default = f.default
        shown = "(empty)" if default in ("", None) else f"`{default}`"
        rows.append(f"| `{ENV_PREFIX}{f.name.upper()}` | {shown} | {f.metadata['doc']} |")
    return "\n".join(rows) + "\n"
