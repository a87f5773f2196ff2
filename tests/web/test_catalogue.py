"""The gettext catalogues hold exactly the strings in use, all translated.

When this fails: ``.venv/bin/python -m gratify.web.catalogue --update``, then translate the
new empty ``msgstr`` entries in ``gratify/locale/id/LC_MESSAGES/messages.po``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gratify.web import catalogue, i18n


def test_catalogues_match_the_code_and_are_translated() -> None:
    assert catalogue.problems() == []


def test_extraction_finds_python_template_and_marked_strings() -> None:
    used = catalogue.used_msgids()
    assert "The page or item you asked for does not exist." in used  # N_ in gratify/errors.py
    assert "Choose Bahasa Indonesia or English." in used  # N_ in a view
    assert "Skip to the content" in used  # _() in a template
    assert "What this site keeps" in used
    # A {% trans %} block spread over lines is one msgid with single spaces.
    assert any(msgid.startswith("Your IP address, your browser or device") for msgid in used)


def test_update_adds_new_strings_drops_unused_and_keeps_translations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for language in i18n.LANGUAGES:
        target = tmp_path / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        shutil.copy(i18n.catalogue_path(language), target / "messages.po")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    real = catalogue.used_msgids()
    used = dict(real)
    del used["Skip to the content"]
    used["A brand new string"] = "A brand new string"
    used["%(num)d case"] = ("%(num)d case", "%(num)d cases")
    monkeypatch.setattr(catalogue, "used_msgids", lambda: used)

    changes = catalogue.update()

    assert "id: added 'A brand new string'" in changes
    assert "en: removed 'Skip to the content'" in changes
    problems = catalogue.problems()
    assert "id/LC_MESSAGES/messages.po: untranslated 'A brand new string'" in problems
    assert not any(problem.startswith("en/") for problem in problems), problems
    text = (tmp_path / "id" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert "Skip to the content" not in text
    assert 'msgstr "Halaman atau data yang Anda cari tidak ditemukan."' in text
    english = (tmp_path / "en" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert 'msgstr[1] "%(num)d cases"' in english

    monkeypatch.setattr(catalogue, "used_msgids", lambda: real)
    catalogue.update()
    assert (tmp_path / "en" / "LC_MESSAGES" / "messages.po").read_bytes() == (
        i18n.catalogue_path("en").read_bytes()
    )
