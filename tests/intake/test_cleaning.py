"""Cleaning removes every trace of who, where and on what device, and keeps the picture."""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Callable

import pikepdf
import pytest
from PIL import Image

from gratify.errors import InvalidInput
from gratify.intake import cleaning
from gratify.intake.filetypes import ACCEPTED, sniff
from tests.intake import files

CANARY = files.CANARY.encode()
RED = (255, 0, 0)
BLUE = (0, 0, 255)


def _png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, kinds = 8, []
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kinds.append(data[offset + 4 : offset + 8])
        offset += 12 + length
    return kinds


def _riff_chunks(data: bytes) -> list[bytes]:
    assert data[:4] == b"RIFF"
    assert data[8:12] == b"WEBP"
    offset, kinds = 12, []
    while offset + 8 <= len(data):
        kinds.append(data[offset : offset + 4])
        size = int.from_bytes(data[offset + 4 : offset + 8], "little")
        offset += 8 + size + (size & 1)
    return kinds


def _near(pixel: object, colour: tuple[int, int, int]) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) < 40 for a, b in zip(pixel[:3], colour, strict=True))


def _no_metadata_left(out: bytes) -> None:
    assert CANARY not in out
    for marker in (b"Exif\x00\x00", b"x:xmpmeta", b"adobe:ns:meta", b"Photoshop 3.0", b"GPS"):
        assert marker not in out
    with Image.open(io.BytesIO(out)) as img:
        assert len(img.getexif()) == 0
        for key in ("exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp"):
            assert key not in img.info


@pytest.mark.parametrize(
    ("orientation", "size", "red_at"),
    [
        (1, (64, 32), "left"),
        (2, (64, 32), "right"),
        (3, (64, 32), "right"),
        (4, (64, 32), "left"),
        (5, (32, 64), "top"),
        (6, (32, 64), "top"),
        (7, (32, 64), "bottom"),
        (8, (32, 64), "bottom"),
    ],
)
def test_jpeg_loses_exif_gps_xmp_and_comment_and_stays_upright(
    orientation: int, size: tuple[int, int], red_at: str
) -> None:
    original = files.jpeg_with_metadata(64, 32, orientation=orientation)
    assert original.count(CANARY) >= 5  # artist, make, serial, GPS, XMP, comment
    out = cleaning.clean(sniff(original), original)
    _no_metadata_left(out)
    with Image.open(io.BytesIO(out)) as img:
        assert img.format == "JPEG"
        assert img.size == size
        rgb = img.convert("RGB")
        w, h = size
        samples = {
            "left": rgb.getpixel((w // 4, h // 2)),
            "right": rgb.getpixel((3 * w // 4, h // 2)),
            "top": rgb.getpixel((w // 2, h // 4)),
            "bottom": rgb.getpixel((w // 2, 3 * h // 4)),
        }
    opposite = {"left": "right", "right": "left", "top": "bottom", "bottom": "top"}[red_at]
    assert _near(samples[red_at], RED)
    assert _near(samples[opposite], BLUE)


def test_png_loses_text_exif_xmp_and_icc_chunks_and_keeps_alpha() -> None:
    original = files.png_with_metadata()
    assert {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP"} <= set(_png_chunks(original))
    out = cleaning.clean(sniff(original), original)
    _no_metadata_left(out)
    assert set(_png_chunks(out)) <= {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
    with Image.open(io.BytesIO(out)) as img:
        assert img.size == (40, 20)
        assert img.mode == "RGBA"
        assert img.getpixel((5, 10)) == (255, 0, 0, 255)


@pytest.mark.parametrize("lossless", [False, True])
def test_webp_loses_exif_xmp_and_icc_and_stays_lossless_if_it_was(lossless: bool) -> None:
    original = files.webp_with_metadata(lossless=lossless)
    assert {b"EXIF", b"XMP ", b"ICCP"} <= set(_riff_chunks(original))
    out = cleaning.clean(sniff(original), original)
    _no_metadata_left(out)
    chunks = _riff_chunks(out)
    assert not {b"EXIF", b"XMP ", b"ICCP"} & set(chunks)
    assert (b"VP8L" in chunks) is lossless
    with Image.open(io.BytesIO(out)) as img:
        assert img.size == (40, 20)
        assert _near(img.convert("RGB").getpixel((5, 10)), RED)


@pytest.mark.parametrize("make", [files.animated_png, files.animated_webp], ids=["png", "webp"])
def test_an_animation_keeps_its_frames_and_timing(make: Callable[[], bytes]) -> None:
    original = make()
    assert CANARY in original
    out = cleaning.clean(sniff(original), original)
    assert CANARY not in out
    with Image.open(io.BytesIO(out)) as img:
        assert getattr(img, "n_frames", 1) == 3
        durations = []
        for index in range(3):
            img.seek(index)
            img.load()
            durations.append(img.info.get("duration"))
            assert img.convert("RGB").getpixel((0, 0)) == (40 * index, 0, 0)
    assert durations == [100, 200, 300]


def test_a_photo_with_unreadable_exif_is_kept_as_stored() -> None:
    out = io.BytesIO()
    files.picture(20, 10).save(
        out, "JPEG", exif=b"Exif\x00\x00" + f"broken-{files.CANARY}".encode()
    )
    cleaned = cleaning.clean(sniff(out.getvalue()), out.getvalue())
    assert CANARY not in cleaned
    with Image.open(io.BytesIO(cleaned)) as img:
        assert img.size == (20, 10)


def test_pdf_loses_info_xmp_page_metadata_and_annotation_authors() -> None:
    original = files.pdf_with_metadata(pages=3)
    visible = files.uncompressed_pdf(original)
    for label in files.PDF_LABELS:
        assert f"{label}-{files.CANARY}".encode() in visible
    out = cleaning.clean(sniff(original), original)
    assert CANARY not in files.uncompressed_pdf(out)
    for key in (b"/Author", b"/Producer", b"/Creator", b"/Metadata", b"/PieceInfo"):
        assert key not in files.uncompressed_pdf(out)
    with pikepdf.open(io.BytesIO(out)) as pdf:
        assert len(pdf.pages) == 3
        assert "/Info" not in pdf.trailer
        assert "/Metadata" not in pdf.Root
        annotation = pdf.pages[0].obj["/Annots"][0]
        assert "/T" not in annotation
        assert str(annotation["/Contents"]) == "catatan"  # what the page shows stays
    # The file identifier is new, not the one the author's software made.
    old_id = re.search(rb"/ID \[<([0-9a-f]+)>", original)
    assert old_id is not None
    assert old_id.group(1) not in out


def test_a_picture_over_the_pixel_limit_is_refused_without_decoding_it() -> None:
    width, height = 10_000, cleaning.MAX_PIXELS // 10_000 + 1
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG")
    data = out.getvalue()
    assert len(data) < 1_000_000
    with pytest.raises(InvalidInput) as caught:
        cleaning.clean(ACCEPTED["image/png"], data)
    assert caught.value.message == cleaning.IMAGE_TOO_LARGE
    assert caught.value.params == {"mp": 50}


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = struct.pack(">I", zlib.crc32(kind + body))
    return struct.pack(">I", len(body)) + kind + body + crc


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims its size but holds no pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", b"")
        + _png_chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused() -> None:
    data = _png_header_only(100_000, 100_000)
    with pytest.raises(InvalidInput) as caught:
        cleaning.clean(ACCEPTED["image/png"], data)
    assert caught.value.message == cleaning.IMAGE_TOO_LARGE


@pytest.mark.parametrize(
    "data",
    [
        files.jpeg_with_metadata(64, 64)[:400],
        b"\xff\xd8\xff\xe0" + b"\x00" * 300,
        _png_header_only(10, 10),
        b"RIFF\x10\x00\x00\x00WEBPVP8 \x00",
    ],
    ids=["truncated-jpeg", "garbage-jpeg", "png-without-pixels", "empty-webp"],
)
def test_a_damaged_picture_is_invalid_input(data: bytes) -> None:
    with pytest.raises(InvalidInput) as caught:
        cleaning.clean(sniff(data), data)
    assert caught.value.message == cleaning.IMAGE_DAMAGED


def test_a_damaged_pdf_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        cleaning.clean(ACCEPTED["application/pdf"], b"%PDF-1.7\n" + b"\x00garbage" * 20)
    assert caught.value.message == cleaning.PDF_DAMAGED


def test_a_password_protected_pdf_is_refused_with_its_own_message() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(user="rahasia", owner="rahasia"))
    with pytest.raises(InvalidInput) as caught:
        cleaning.clean(ACCEPTED["application/pdf"], out.getvalue())
    assert caught.value.message == cleaning.PDF_PASSWORD


def test_media_is_not_cleaned() -> None:
    with pytest.raises(ValueError, match="not cleaned"):
        cleaning.clean(ACCEPTED["video/mp4"], files.MEDIA["video/mp4"])
