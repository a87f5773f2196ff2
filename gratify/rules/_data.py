"""Reading the rules' data files strictly: package resources, TOML, and typed fields.

The data files live in ``gratify/rules/data/`` and are read with `importlib.resources`, so
they are found inside an installed wheel as well as in a checkout. Every accessor names
the place of a bad value (``year[2].day[5].date``) in its error, and a table with a key
that is not expected is refused: a misspelt key must not be silently ignored.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Collection, Mapping
from importlib import resources
from typing import Any

DATA_PACKAGE = "gratify.rules.data"


class RulesDataError(ValueError):
    """A rules data file is malformed; the message says where and what."""


def read_data_file(name: str) -> str:
    """The text of ``gratify/rules/data/<name>``."""
    return resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesDataError(f"{source}: not valid TOML: {exc}") from exc


class Table:
    """A TOML table being read: typed getters, and a check that no key was left unread."""

    def __init__(self, value: object, where: str) -> None:
        if not isinstance(value, Mapping):
            raise RulesDataError(f"{where}: expected a table")
        self.where = where
        self._data: Mapping[str, object] = value
        self._read: set[str] = set()

    def _get(self, key: str) -> object:
        self._read.add(key)
        if key not in self._data:
            raise RulesDataError(f"{self.where}.{key}: missing")
        return self._data[key]

    def has(self, key: str) -> bool:
        return key in self._data

    def string(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str) or not value.strip():
            raise RulesDataError(f"{self.where}.{key}: expected a non-empty string")
        return value

    def optional_string(self, key: str) -> str | None:
        if not self.has(key):
            self._read.add(key)
            return None
        return self.string(key)

    def integer(self, key: str, *, minimum: int = 0) -> int:
        value = self._get(key)
        # bool is an int in Python; a TOML `true` is never a number here.
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise RulesDataError(f"{self.where}.{key}: expected an integer >= {minimum}")
        return value

    def optional_integer(self, key: str, *, minimum: int = 0) -> int | None:
        if not self.has(key):
            self._read.add(key)
            return None
        return self.integer(key, minimum=minimum)

    def boolean(self, key: str, default: bool | None = None) -> bool:
        if default is not None and not self.has(key):
            self._read.add(key)
            return default
        value = self._get(key)
        if not isinstance(value, bool):
            raise RulesDataError(f"{self.where}.{key}: expected true or false")
        return value

    def date(self, key: str) -> dt.date:
        value = self._get(key)
        # A TOML local date only: a string or a date-time is a typo here.
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise RulesDataError(f"{self.where}.{key}: expected a date (YYYY-MM-DD, unquoted)")
        return value

    def optional_date(self, key: str) -> dt.date | None:
        if not self.has(key):
            self._read.add(key)
            return None
        return self.date(key)

    def choice(self, key: str, allowed: Collection[str]) -> str:
        value = self.string(key)
        if value not in allowed:
            raise RulesDataError(
                f"{self.where}.{key}: {value!r} is not one of {', '.join(sorted(allowed))}"
            )
        return value

    def choices(
        self, key: str, allowed: Collection[str], default: tuple[str, ...] = ()
    ) -> tuple[str, ...]:
        if not self.has(key):
            self._read.add(key)
            return default
        value = self._get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise RulesDataError(f"{self.where}.{key}: expected a list of strings")
        for item in value:
            if item not in allowed:
                raise RulesDataError(
                    f"{self.where}.{key}: {item!r} is not one of {', '.join(sorted(allowed))}"
                )
        if len(set(value)) != len(value):
            raise RulesDataError(f"{self.where}.{key}: an item is listed twice")
        return tuple(value)

    def table(self, key: str) -> Table:
        return Table(self._get(key), f"{self.where}.{key}")

    def tables(self, key: str, *, required: bool = True) -> list[Table]:
        if not required and not self.has(key):
            self._read.add(key)
            return []
        value = self._get(key)
        if not isinstance(value, list) or (required and not value):
            raise RulesDataError(f"{self.where}.{key}: expected one or more [[{key}]] tables")
        return [Table(item, f"{self.where}.{key}[{i}]") for i, item in enumerate(value)]

    def done(self) -> None:
        """Refuse any key that was not read: it is a typo or a field this code ignores."""
        unknown = sorted(set(self._data) - self._read)
        if unknown:
            raise RulesDataError(f"{self.where}: unknown key(s) {', '.join(unknown)}")
