"""Test files made in code: photos and PDFs full of metadata, media, disguised files, and
multipart bodies. Every identifying value contains a canary string, so a test can check
that no byte of it survives cleaning or reaches the disk."""

from __future__ import annotations

import datetime as dt
import io
import os
import secrets
import zipfile
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass

import pikepdf
from PIL import Image, PngImagePlugin
from sqlalchemy import func, select

from gratify.accounts.models import Tenant, Unit
from gratify.db.engine import Database
from gratify.intake.models import Attachment, AttachmentChunk, Case

CANARY = "KANARI-7f3a9c"
GPS_IFD = 0x8825
EXIF_IFD = 0x8769
ORIENTATION = 0x0112
ARTIST = 0x013B
MAKE = 0x010F
BODY_SERIAL = 0xA431

XMP = (
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6">'
    f"<dc:creator><rdf:Seq><rdf:li>XMP-{CANARY}</rdf:li></rdf:Seq></dc:creator>"
    "</rdf:Description></rdf:RDF></x:xmpmeta>"
    '<?xpacket end="w"?>'
).encode()


def exif(orientation: int = 1) -> Image.Exif:
    """EXIF with an orientation, the owner, the device and a GPS position (Jakarta)."""
    data = Image.Exif()
    data[ORIENTATION] = orientation
    data[ARTIST] = f"Artist-{CANARY}"
    data[MAKE] = f"Make-{CANARY}"
    data.get_ifd(EXIF_IFD)[BODY_SERIAL] = f"Serial-{CANARY}"
    gps = data.get_ifd(GPS_IFD)
    gps[1] = "S"
    gps[2] = (6.0, 10.0, 30.5)
    gps[3] = "E"
    gps[4] = (106.0, 49.0, 37.2)
    gps[0x1B] = f"GPSProc-{CANARY}"  # GPSProcessingMethod
    return data


def icc_profile() -> bytes:
    """An sRGB ICC profile whose description names a device (as some cameras do)."""
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return profile.tobytes() + f"ICC-{CANARY}".encode()


def picture(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Red on the left half, blue on the right: its orientation can be checked."""
    img = Image.new(mode, (width, height), (0, 0, 255, 255)[: len(mode)])
    img.paste((255, 0, 0, 255)[: len(mode)], (0, 0, width // 2, height))
    return img


def jpeg_with_metadata(width: int = 64, height: int = 32, orientation: int = 6) -> bytes:
    """A JPEG with EXIF (GPS, artist, make, serial, orientation), XMP and a comment."""
    out = io.BytesIO()
    picture(width, height).save(
        out,
        "JPEG",
        exif=exif(orientation),
        xmp=XMP,
        comment=f"Comment-{CANARY}".encode(),
        quality=95,
    )
    return out.getvalue()


def png_with_metadata(width: int = 40, height: int = 20) -> bytes:
    """A PNG with tEXt, zTXt and iTXt chunks, eXIf, XMP and an ICC profile."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", f"tEXt-{CANARY}")
    info.add_text("Comment", f"zTXt-{CANARY}", zip=True)
    info.add_itxt("Description", f"iTXt-{CANARY}", lang="id", tkey="Keterangan")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    out = io.BytesIO()
    picture(width, height, "RGBA").save(
        out, "PNG", pnginfo=info, exif=exif(), icc_profile=icc_profile()
    )
    return out.getvalue()


def webp_with_metadata(width: int = 40, height: int = 20, *, lossless: bool = False) -> bytes:
    """A WebP with EXIF, XMP and an ICC profile."""
    out = io.BytesIO()
    picture(width, height).save(
        out,
        "WEBP",
        exif=exif(),
        xmp=XMP,
        icc_profile=icc_profile(),
        lossless=lossless,
        quality=95,
    )
    return out.getvalue()


def animated_png(frames: int = 3) -> bytes:
    images = [Image.new("RGB", (16, 8), (40 * i, 0, 0)) for i in range(frames)]
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", f"tEXt-{CANARY}")
    out = io.BytesIO()
    images[0].save(
        out,
        "PNG",
        save_all=True,
        append_images=images[1:],
        duration=[100, 200, 300][:frames],
        loop=0,
        pnginfo=info,
    )
    return out.getvalue()


PDF_INFO_KEYS = ("Author", "Producer", "Creator", "Title", "Subject", "Keywords")
PDF_LABELS = (*PDF_INFO_KEYS, "XMP", "PageXMP", "Piece", "AnnotAuthor")
"""Every place `pdf_with_metadata` hides the canary, as ``{label}-{CANARY}``."""


def animated_webp(frames: int = 3) -> bytes:
    """An animated lossless WebP whose EXIF is not even valid EXIF."""
    images = [Image.new("RGB", (16, 8), (40 * i, 0, 0)) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(
        out,
        "WEBP",
        save_all=True,
        append_images=images[1:],
        duration=[100, 200, 300][:frames],
        loop=0,
        lossless=True,
        exif=b"Exif\x00\x00" + f"broken-{CANARY}".encode(),
    )
    return out.getvalue()


def pdf_with_metadata(pages: int = 2) -> bytes:
    """A PDF with an author and producer, XMP, page and image metadata and an annotation
    author, saved uncompressed so the canaries are visible in its bytes."""
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(200, 300))
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["dc:creator"] = [f"XMP-{CANARY}"]
    for key in PDF_INFO_KEYS:
        pdf.docinfo[f"/{key}"] = f"{key}-{CANARY}"
    page_meta = pdf.make_stream(f"<x>PageXMP-{CANARY}</x>".encode(), Type=pikepdf.Name.Metadata)
    pdf.pages[0].obj["/Metadata"] = page_meta
    pdf.pages[0].obj["/PieceInfo"] = pikepdf.Dictionary(App=pikepdf.String(f"Piece-{CANARY}"))
    pdf.pages[0].obj["/Annots"] = pdf.make_indirect(
        pikepdf.Array(
            [
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Annot,
                    Subtype=pikepdf.Name.Text,
                    Rect=[10, 10, 30, 30],
                    T=pikepdf.String(f"AnnotAuthor-{CANARY}"),
                    Contents=pikepdf.String("catatan"),
                )
            ]
        )
    )
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def uncompressed_pdf(data: bytes) -> bytes:
    """The PDF rewritten with every stream decoded, so its bytes can be searched."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        out = io.BytesIO()
        pdf.save(
            out,
            compress_streams=False,
            stream_decode_level=pikepdf.StreamDecodeLevel.all,
            object_stream_mode=pikepdf.ObjectStreamMode.disable,
        )
        return out.getvalue()


def mp4_header(brand: bytes = b"isom") -> bytes:
    """An ISO-BMFF ``ftyp`` box that ``filetype`` reads as MP4 video (or M4A for M4A)."""
    body = brand + b"\x00\x00\x02\x00" + brand + b"mp41"
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body


def mp4_stream(size: int, *, piece: int = 64 * 1024, canary: bool = True) -> Iterable[bytes]:
    """``size`` bytes of MP4-typed content in pieces, with the canary in the middle."""
    header = mp4_header() + (f"mdat-{CANARY}".encode() if canary else b"")
    sent = 0
    pattern = bytes(range(256)) * (piece // 256 + 1)
    first = True
    while sent < size:
        n = min(piece, size - sent)
        if first:
            chunk = (header + pattern)[:n]
            first = False
        else:
            chunk = pattern[(sent % 256) :][:n]
            if len(chunk) < n:
                chunk = (chunk + pattern)[:n]
        yield chunk
        sent += n


def mp4_bytes(size: int) -> bytes:
    return b"".join(mp4_stream(size))


MEDIA: dict[str, bytes] = {
    "audio/mpeg": b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64,
    "audio/mp4": mp4_header(b"M4A ") + b"\x00" * 200,
    "video/mp4": mp4_header() + b"\x00" * 200,
    "audio/ogg": b"OggS\x00\x02" + b"\x00" * 200,
}
"""Short files of each type that is stored as sent."""


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.txt", "isi")
    return out.getvalue()


DISGUISED: dict[str, bytes] = {
    "html": b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    "svg": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "elf": b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120,
    "exe": b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120,
    "zip": zip_bytes(),
    "gif": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    "text": b"just some words",
}
"""Files of types that are refused, each to be sent with a ``.jpg`` name."""


# --- multipart bodies --------------------------------------------------------------------

BOUNDARY = "----gratifyTestBoundary7MA4YWxkTrZu0gW"


@dataclass(frozen=True)
class FilePart:
    name: str
    filename: str | None
    data: bytes
    content_type: str = "application/octet-stream"


def multipart_body(
    fields: Sequence[tuple[str, str | bytes]] = (),
    files: Sequence[FilePart] = (),
    *,
    boundary: str = BOUNDARY,
) -> bytes:
    """A ``multipart/form-data`` body as a browser sends it."""
    out = bytearray()
    for name, value in fields:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value.encode() if isinstance(value, str) else value
        out += b"\r\n"
    for part in files:
        disposition = f'form-data; name="{part.name}"'
        if part.filename is not None:
            disposition += f'; filename="{part.filename}"'
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        out += f"Content-Type: {part.content_type}\r\n\r\n".encode()
        out += part.data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)


def content_type(boundary: str = BOUNDARY) -> str:
    return f"multipart/form-data; boundary={boundary}"


async def pieces(data: bytes | Iterable[bytes], size: int = 64 * 1024) -> AsyncIterator[bytes]:
    """The body as an ASGI server hands it over: in pieces of ``size`` bytes."""
    if isinstance(data, bytes | bytearray):
        for offset in range(0, len(data), size):
            yield bytes(data[offset : offset + size])
    else:
        for chunk in data:
            yield chunk


def random_bytes(size: int) -> bytes:
    return os.urandom(size)


# --- rows a stored attachment needs ------------------------------------------------------


async def make_case(db: Database) -> str:
    """A minimal tenant, unit and case to link attachments to; returns the case id."""
    suffix = secrets.token_hex(4)
    async with db.writing() as session:
        tenant = Tenant(slug=f"t-{suffix}", name="Kota Uji")
        session.add(tenant)
        await session.flush()
        unit = Unit(tenant_id=tenant.id, slug="inspektorat", name="Inspektorat")
        session.add(unit)
        await session.flush()
        case_id = secrets.token_hex(16)
        session.add(
            Case(
                id=case_id,
                tenant_id=tenant.id,
                case_number=f"T-{suffix}",
                kind="whistleblowing",
                unit_id=unit.id,
                status="received",
                received_on=dt.date(2026, 11, 23),
                receipt_lookup=suffix,
                receipt_key=b"k",
                report=b"r",
                report_digest="0" * 64,
            )
        )
    return case_id


async def delete_case(db: Database, case_id: str) -> None:
    """Remove a case made by `make_case` (with its tenant) from a database that keeps
    its changes."""
    async with db.writing() as session:
        case = await session.get(Case, case_id)
        if case is not None:
            tenant = await session.get(Tenant, case.tenant_id)
            await session.delete(case)
            await session.flush()
            if tenant is not None:
                await session.delete(tenant)


async def stored_rows(db: Database) -> tuple[int, int]:
    """How many attachment and chunk rows the database holds."""
    async with db.reading() as session:
        attachments = await session.scalar(select(func.count()).select_from(Attachment))
        chunks = await session.scalar(select(func.count()).select_from(AttachmentChunk))
    return attachments or 0, chunks or 0
