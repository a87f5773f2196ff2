"""The value types of attachments and the sealed form of their metadata.

An attachment's metadata (file name, content type, size, whether it was cleaned) is one
AEAD record (`gratify.crypto.aead`) under the case's data key, with the context
``(case id, "attachment-meta", attachment id)``; its bytes are a STREAM file with
``(case id, "attachment", attachment id)`` (`attachment_context`). Both bind the record
to its case and its id, so neither can be opened as another case's or another file's.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from gratify.crypto.aead import KEY_SIZE, associated_data, seal, unseal
from gratify.crypto.errors import IntegrityError
from gratify.settings import Settings

__all__ = [
    "SENDERS",
    "AttachmentLimits",
    "AttachmentMeta",
    "UploadTarget",
    "attachment_context",
    "megabytes",
    "open_meta",
    "seal_meta",
    "utc",
]

SENDERS = ("reporter", "handler")
_MIB = 1024 * 1024


@dataclass(frozen=True)
class AttachmentLimits:
    """How much one form may carry: bytes per file, files, characters per text field,
    fields, and bytes of the JSON ``report`` part of the API."""

    max_bytes: int
    max_files: int
    max_text_chars: int
    max_fields: int = 200
    max_report_json_bytes: int = 256 * 1024

    @classmethod
    def from_settings(cls, settings: Settings) -> AttachmentLimits:
        return cls(
            max_bytes=settings.max_attachment_bytes,
            max_files=settings.max_attachments,
            max_text_chars=settings.max_text_chars,
        )


@dataclass(frozen=True)
class UploadTarget:
    """The case an upload is sealed for (its id and data key) and who sends it."""

    case_id: str
    dek: bytes
    sender: str

    def __post_init__(self) -> None:
        if self.sender not in SENDERS:
            raise ValueError(f"sender must be one of {SENDERS}")
        if len(self.dek) != KEY_SIZE:
            raise ValueError(f"the data key must be {KEY_SIZE} bytes")

    def __repr__(self) -> str:
        return f"UploadTarget(case_id={self.case_id!r}, dek=***, sender={self.sender!r})"


@dataclass(frozen=True)
class AttachmentMeta:
    """What is sealed about a file besides its bytes. ``size`` is of the stored (cleaned)
    file; ``cleaned`` is False for types whose metadata could not be removed."""

    id: str
    filename: str
    content_type: str
    size: int
    cleaned: bool

    def as_api(self) -> dict[str, object]:
        """The file as the reporter's and the handlers' APIs list it."""
        return {
            "id": self.id,
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "metadata_removed": self.cleaned,
        }


def attachment_context(case_id: str, attachment_id: str) -> bytes:
    """The associated data of an attachment's sealed bytes."""
    return associated_data(case_id, "attachment", attachment_id)


def _meta_context(case_id: str, attachment_id: str) -> bytes:
    return associated_data(case_id, "attachment-meta", attachment_id)


def seal_meta(dek: bytes, case_id: str, meta: AttachmentMeta) -> bytes:
    document = {
        "filename": meta.filename,
        "content_type": meta.content_type,
        "size": meta.size,
        "cleaned": meta.cleaned,
    }
    plaintext = json.dumps(document, sort_keys=True, ensure_ascii=False).encode()
    return seal(dek, plaintext, context=_meta_context(case_id, meta.id))


def open_meta(dek: bytes, case_id: str, attachment_id: str, sealed: bytes) -> AttachmentMeta:
    """Unseal an attachment's metadata; `IntegrityError` if it belongs elsewhere."""
    document = json.loads(unseal(dek, sealed, context=_meta_context(case_id, attachment_id)))
    if not isinstance(document, dict):
        raise IntegrityError("attachment metadata is not an object")
    return AttachmentMeta(
        id=attachment_id,
        filename=str(document["filename"]),
        content_type=str(document["content_type"]),
        size=int(document["size"]),
        cleaned=bool(document["cleaned"]),
    )


def utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC; a naive datetime is refused (its zone would be a guess)."""
    if moment.tzinfo is None:
        raise ValueError("a timezone-aware datetime is required")
    return moment.astimezone(dt.UTC)


def megabytes(size: int) -> str:
    """``size`` bytes in MB (MiB) for a message: ``20``, or ``0.5`` when not whole."""
    return str(size // _MIB) if size % _MIB == 0 else f"{size / _MIB:.1f}".rstrip("0")
