"""Running the app under uvicorn, with logs that never hold a client address or report content.

The access log is off: a line per request would record who reported when (threat model:
"no reporter IP, user agent or exact submission time"). Exceptions are logged with their
type and stack but without their message, since a message can echo user input
(``invalid literal for int(): '<what the reporter typed>'``). Any IP address left in a line
is masked as a last line of defence.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette

from gratify.settings import ENV_PREFIX, Settings

_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d])")
# IPv6 candidates only; `ipaddress` decides, so times such as 13:36:04 are left alone.
_IPV6_CANDIDATE = re.compile(
    r"(?<![\w:])[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f]*(?:%\w+)?(?![\w:])"
)
_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


# Libraries whose DEBUG lines carry data: Pillow prints EXIF tag values of an uploaded photo
# (a name, a GPS position), aiosqlite the arguments of each statement. They stay at WARNING
# whatever the server's level (threat model: no report content in any log).
QUIET_LOGGERS = ("PIL", "pikepdf", "aiosqlite", "asyncpg", "python_multipart", "multipart")


def quiet_data_bearing_loggers() -> None:
    """Keep `QUIET_LOGGERS` at WARNING; called by `create_app`, so every way of running holds."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def mask_addresses(text: str) -> str:
    """Replace every IPv4 and IPv6 address in `text` by a placeholder."""

    def replace(match: re.Match[str]) -> str:
        try:
            ipaddress.ip_address(match.group(0).split("%")[0])
        except ValueError:
            return match.group(0)
        return "[address]"

    return _IPV6_CANDIDATE.sub(replace, _IPV4.sub("[address]", text))


class PrivacyFormatter(logging.Formatter):
    """Formats records with addresses masked and exception messages left out."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_addresses(super().format(record))

    def formatException(self, ei: _ExcInfo) -> str:
        _, exc, tb = ei
        if exc is None:
            return ""
        lines: list[str] = []
        seen: set[int] = set()
        current: BaseException | None = exc
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            frames = traceback.format_tb(current.__traceback__ if current is not exc else tb)
            lines = [*frames, f"{type(current).__module__}.{type(current).__qualname__}\n", *lines]
            current = current.__cause__ or current.__context__
        return "Traceback (message withheld):\n" + "".join(lines).rstrip()


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging, routed through `PrivacyFormatter`."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "privacy": {
                "()": PrivacyFormatter,
                "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
            }
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "privacy",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            # SQL echo would print statements; parameters are hidden, but keep it quiet.
            "sqlalchemy": {"handlers": [], "level": "WARNING", "propagate": True},
            **{
                name: {"handlers": [], "level": "WARNING", "propagate": True}
                for name in QUIET_LOGGERS
            },
        },
    }


def settings_environ(settings: Settings, config_file: Path | None) -> dict[str, str]:
    """The environment that makes a worker process load exactly these settings."""
    env = {
        f"{ENV_PREFIX}DATA_DIR": str(settings.data_dir.resolve()),
        f"{ENV_PREFIX}DATABASE_URL": settings.database_url,
        f"{ENV_PREFIX}KEYS_DIR": str(settings.resolved_keys_dir.resolve()),
    }
    if config_file is not None:
        env[f"{ENV_PREFIX}CONFIG"] = str(config_file.resolve())
    return env


def app_from_environment() -> Starlette:
    """The app factory each uvicorn worker calls."""
    from gratify.app import create_app

    return create_app(Settings.load())


def serve(settings: Settings, config_file: Path | None) -> None:
    """Serve until interrupted; workers re-read the settings from the environment."""
    os.environ.update(settings_environ(settings, config_file))
    print(f"gratify: serving on http://{settings.host}:{settings.port}/", flush=True)
    uvicorn.run(
        "gratify.server:app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        access_log=False,
        log_config=log_config(settings.log_level),
        log_level=settings.log_level.lower(),
        server_header=False,
        proxy_headers=False,
    )
