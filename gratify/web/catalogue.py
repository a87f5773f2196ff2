"""Keep the gettext catalogues equal to the strings the code and templates use.

Check (what ``tests/web/test_catalogue.py`` runs)::

    .venv/bin/python -m gratify.web.catalogue

Update after adding, changing or removing a string::

    .venv/bin/python -m gratify.web.catalogue --update

``--update`` adds each new msgid to both catalogues (``en`` gets the msgid itself, ``id``
an empty translation to fill in), removes msgids no longer used and keeps every existing
translation. Then translate the empty ``msgstr ""`` entries in
``gratify/locale/id/LC_MESSAGES/messages.po``. Entries are sorted and carry no source
locations, so two people adding strings rarely conflict.

Strings are found in ``gratify/**.py`` (calls of ``_``, ``gettext``, ``ngettext``,
``lazy_gettext``, ``N_``…) and ``templates/**.html`` (``_()``, ``{% trans %}``).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

import gratify
from gratify.web.i18n import LANGUAGES, catalogue_path
from gratify.web.templating import templates_dir

MessageId = str | tuple[str, ...]

KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
_JINJA_OPTIONS = {
    "trimmed": "true",
    "trim_blocks": "true",
    "lstrip_blocks": "true",
    # A template that does not parse must fail the check, not be skipped.
    "silent": "false",
}
_PO_WIDTH = 88


def _extract(
    directory: Path, method: tuple[str, str], options: dict[str, str]
) -> Iterable[MessageId]:
    pattern = method[0]
    found = extract_from_dir(
        directory, [method], {pattern: options}, keywords=KEYWORDS, comment_tags=()
    )
    for _filename, _lineno, message, _comments, _context in found:
        if isinstance(message, tuple):
            if all(message):
                yield tuple(str(part) for part in message)
        elif message:
            yield message


# Keys whose string values in a data file (forms.toml and the like) are shown to people.
TOML_TEXT_KEYS = frozenset({"label", "title", "help"})


def extract_toml_texts(
    fileobj: IO[bytes], keywords: object, comment_tags: object, options: object
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """A Babel extraction method: the values of `TOML_TEXT_KEYS` anywhere in a TOML file."""

    def walk(node: object) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in TOML_TEXT_KEYS and isinstance(value, str):
                    yield value
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    for text in walk(tomllib.load(fileobj)):
        yield 0, None, text, []


def used_msgids() -> dict[str, MessageId]:
    """Every msgid the code, templates and data files use, keyed by its singular form."""
    package = Path(gratify.__file__).resolve().parent
    found = [
        *_extract(package, ("**.py", "python"), {}),
        *_extract(package, ("**.toml", "gratify.web.catalogue:extract_toml_texts"), {}),
        *_extract(templates_dir(), ("**.html", "jinja2.ext:babel_extract"), _JINJA_OPTIONS),
    ]
    return {_key(msgid): msgid for msgid in found}


def _key(msgid: str | Sequence[str]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _read(language: str) -> Catalog:
    path = catalogue_path(language)
    if not path.exists():
        return Catalog(locale=language, domain="messages", project="gratify", fuzzy=False)
    with path.open("rb") as fh:
        return read_po(fh, locale=language, domain="messages")


def _entries(catalog: Catalog) -> dict[str, Message]:
    return {_key(message.id): message for message in catalog if message.id}


def _translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return not message.fuzzy and all(strings)


def problems() -> list[str]:
    """Everything wrong with the catalogues, one line each; empty when all is well."""
    used = used_msgids()
    found: list[str] = []
    for language in LANGUAGES:
        entries = _entries(_read(language))
        where = f"{language}/LC_MESSAGES/messages.po"
        for key, msgid in sorted(used.items()):
            entry = entries.get(key)
            if entry is None or entry.id != msgid:
                found.append(f"{where}: missing {msgid!r}")
            elif not _translated(entry):
                found.append(f"{where}: untranslated {msgid!r}")
            else:
                found.extend(f"{where}: {msgid!r}: {error}" for error in entry.check())
        found.extend(
            f"{where}: no longer used {entries[key].id!r}"
            for key in sorted(entries.keys() - used.keys())
        )
    return found


def _new_translation(catalog: Catalog, msgid: MessageId) -> str | tuple[str, ...]:
    english = catalog.locale is not None and catalog.locale.language == "en"
    if isinstance(msgid, str):
        return msgid if english else ""
    if english:
        return msgid
    return ("",) * catalog.num_plurals


def update() -> list[str]:
    """Bring both catalogues up to date with the code; returns what it changed."""
    used = used_msgids()
    changes: list[str] = []
    for language in LANGUAGES:
        catalog = _read(language)
        entries = _entries(catalog)
        for key, entry in entries.items():
            if used.get(key) != entry.id:
                catalog.delete(entry.id)
                changes.append(f"{language}: removed {entry.id!r}")
        for key, msgid in used.items():
            if key not in entries or entries[key].id != msgid:
                catalog.add(msgid, _new_translation(catalog, msgid))
                changes.append(f"{language}: added {msgid!r}")
        path = catalogue_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=_PO_WIDTH, no_location=True, sort_output=True)
    return changes


def main(argv: Sequence[str] | None = None) -> int:
    """Check the catalogues (exit 1 on a problem), or ``--update`` them."""
    parser = argparse.ArgumentParser(prog="python -m gratify.web.catalogue", description=__doc__)
    parser.add_argument("--update", action="store_true", help="add new and drop unused msgids")
    args = parser.parse_args(argv)
    if args.update:
        for change in update():
            print(change)
    found = problems()
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
