from __future__ import annotations

import logging
import sys

from gratify.server import PrivacyFormatter, mask_addresses


def _record(message: str, *, with_exception: bool = False) -> logging.LogRecord:
    exc_info = None
    typed = "CANARY-" + "typed-by-the-reporter"  # as user input arrives: not in the source
    if with_exception:
        try:
            try:
                int(typed)
            except ValueError as inner:
                raise RuntimeError(f"wrapped {typed}") from inner
        except RuntimeError:
            exc_info = sys.exc_info()
    return logging.LogRecord("t", logging.ERROR, __file__, 1, message, None, exc_info)


def test_exception_messages_are_withheld_but_types_and_frames_kept() -> None:
    text = PrivacyFormatter("%(message)s").format(_record("boom", with_exception=True))
    assert "CANARY" not in text
    assert "builtins.ValueError" in text
    assert "builtins.RuntimeError" in text
    assert "test_server.py" in text  # the frames are still there to debug with


def test_addresses_are_masked_in_every_line() -> None:
    formatter = PrivacyFormatter("%(message)s")
    text = formatter.format(_record("client 203.0.113.9:51234 and 2001:db8::7 at 13:36:04"))
    assert "203.0.113.9" not in text
    assert "2001:db8::7" not in text
    assert "13:36:04" in text


def test_mask_addresses_leaves_versions_and_times_alone() -> None:
    assert mask_addresses("gratify 0.1.0 at 09:15:00") == "gratify 0.1.0 at 09:15:00"
    assert mask_addresses("from ::1") == "from [address]"
