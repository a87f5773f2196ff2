"""What kind of file an upload is, judged by its content, and what its name may be.

A file's type is decided from its first bytes (the ``filetype`` library's signatures),
never from its name or the type the client declared: an HTML page, an SVG, a program or
an archive renamed ``foto.jpg`` is refused, and a JPEG sent as ``application/pdf`` is a
JPEG. Photos and PDFs are *cleaned* (their metadata removed, see
:mod:`gratify.intake.cleaning`); audio and video are stored as sent and flagged, so the
pages can warn that their metadata (a recording device, a place) could not be removed.

Names: a filename may identify the reporter, so it is sealed with the attachment and
never logged. Only its last path component is kept (browsers once sent
``C:\\Users\\budi\\foto.jpg``), without control or invisible formatting characters (a
right-to-left override can disguise ``gpj.exe`` as ``exe.jpg``), at most
`MAX_FILENAME_CHARS` characters, and it always ends with an extension of the type
found in the content.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import filetype

from gratify.errors import N_, UnsupportedMediaType

__all__ = [
    "ACCEPTED",
    "DEFAULT_FILENAME",
    "MAX_FILENAME_CHARS",
    "SNIFF_BYTES",
    "FileKind",
    "safe_filename",
    "sniff",
]

SNIFF_BYTES = 8192
"""Bytes of a file's beginning that decide its type (what ``filetype`` reads)."""

MAX_FILENAME_CHARS = 200
DEFAULT_FILENAME = "lampiran"

UNSUPPORTED_TYPE = N_(
    "This type of file is not accepted. Send photos (JPEG, PNG, WebP), PDF documents, "
    "or audio and video (MP3, M4A, MP4, OGG)."
)


@dataclass(frozen=True)
class FileKind:
    """An accepted type: its MIME type, its extensions (first is canonical), and how it is
    cleaned: ``"image"`` or ``"pdf"``, or ``None`` when it is stored as sent."""

    mime: str
    extensions: tuple[str, ...]
    cleaner: str | None

    @property
    def cleaned(self) -> bool:
        return self.cleaner is not None


ACCEPTED: dict[str, FileKind] = {
    kind.mime: kind
    for kind in (
        FileKind("image/jpeg", ("jpg", "jpeg", "jpe", "jfif"), "image"),
        FileKind("image/png", ("png",), "image"),
        FileKind("image/webp", ("webp",), "image"),
        FileKind("application/pdf", ("pdf",), "pdf"),
        FileKind("audio/mpeg", ("mp3",), None),
        FileKind("audio/mp4", ("m4a", "mp4", "aac"), None),
        FileKind("video/mp4", ("mp4", "m4v"), None),
        FileKind("audio/ogg", ("ogg", "oga", "opus", "ogv"), None),
    )
}
"""Every accepted type by MIME type."""

# What ``filetype`` calls a type, when it is not the MIME type stored: an animated PNG is
# a PNG (it starts with the PNG signature and every PNG reader shows its first frame).
_SNIFFED = {**ACCEPTED, "image/apng": ACCEPTED["image/png"]}


def sniff(head: bytes | bytearray) -> FileKind:
    """The accepted type of a file beginning with ``head`` (its first `SNIFF_BYTES` bytes,
    or all of it if shorter); `UnsupportedMediaType` for anything else."""
    guess = filetype.guess(bytearray(head[:SNIFF_BYTES])) if head else None
    kind = _SNIFFED.get(guess.mime) if guess is not None else None
    if kind is None:
        raise UnsupportedMediaType(UNSUPPORTED_TYPE)
    return kind


def _visible(char: str) -> bool:
    # Cc controls, Cf invisible formatting (bidi overrides, zero-width), Cs/Co/Cn
    # surrogates, private use and unassigned; Zl/Zp line and paragraph separators.
    return not unicodedata.category(char).startswith(("C", "Zl", "Zp"))


def safe_filename(raw: str, kind: FileKind) -> str:
    """The name to keep for an upload of type ``kind`` that the client called ``raw``.

    The base name only (after the last ``/`` or ``\\``), visible characters only, no
    leading or trailing spaces or dots, at most `MAX_FILENAME_CHARS` characters, ending
    in an extension of ``kind`` (``laporan.html`` holding a JPEG becomes
    ``laporan.html.jpg``). An empty result becomes `DEFAULT_FILENAME` plus extension.
    """
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if _visible(char)).strip(" .\t")
    stem, dot, extension = name.rpartition(".")
    if not (dot and stem and extension.lower() in kind.extensions):
        stem, extension = name or DEFAULT_FILENAME, kind.extensions[0]
    room = MAX_FILENAME_CHARS - len(extension) - 1
    stem = stem[:room].rstrip(" .") or DEFAULT_FILENAME
    return f"{stem}.{extension}"
