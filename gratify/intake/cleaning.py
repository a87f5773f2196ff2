"""Removing what a photo or a PDF says about who made it, where, when and on what device.

A phone photo's EXIF can hold the GPS position where it was taken, the phone's make,
model and serial number, and the owner's name; XMP and IPTC repeat much of it; a PDF's
document information and XMP name its author and the software and computer that made it.
For a whistleblower any of these can be enough to be found. So JPEG, PNG and WebP are
decoded and re-encoded from their pixels alone, and a PDF is rewritten without its
metadata, before anything is sealed.

These are pure functions from bytes to bytes: CPU work, run in the `CryptoPool` by the
caller so the event loop is never blocked. They need the whole file, so a file to clean is
held in memory, bounded by the ``max_attachment_bytes`` setting (20 MB by default).

Images (Pillow): the EXIF orientation is applied to the pixels first
(`ImageOps.exif_transpose`), so a portrait photo stays upright once the tag is gone;
colours with an embedded ICC profile are converted to sRGB and the profile is dropped (a
profile carries free text such as a device or user name); then the image is saved with
no EXIF (and so no GPS), XMP, IPTC, comments, PNG text chunks or ICC profile. Only the
transparency of palette images survives from the old file's information. JPEG is
re-encoded at quality 90 with the source's chroma subsampling, keeping only the first
picture of a multi-picture file (phones store depth maps there); WebP keeps lossless
files lossless; animated PNG and WebP keep their frames and timing. The decoded size is
bounded by `MAX_PIXELS`, so a small file cannot expand into gigabytes (a decompression
bomb); a file too large or damaged is `InvalidInput` with a message a person understands.

PDF (pikepdf/qpdf): the document information dictionary (``/Author``, ``/Creator``,
``/Producer``, ``/Title``, dates…), the catalogue's XMP stream and every other
``/Metadata`` entry (pages, images, fonts), application private data (``/PieceInfo``) and
the author names of comment annotations are removed; the file is rewritten whole (earlier
revisions of an incrementally saved file disappear) with a file identifier computed from
the new content instead of the one the author's software made (which can link the file
to the original on the reporter's computer). Streams are copied
without decompressing them. What a PDF *shows* is not changed: text, images inside it
(and their own EXIF), embedded files and form values remain as the reporter sent them.
A password-protected PDF cannot be read, so it is refused.
"""

from __future__ import annotations

import io

import pikepdf
from PIL import Image, ImageCms, ImageOps, ImageSequence, JpegImagePlugin

from gratify.errors import N_, GratifyError, InvalidInput
from gratify.intake.filetypes import FileKind

__all__ = ["JPEG_QUALITY", "MAX_PIXELS", "clean", "clean_image", "clean_pdf"]

MAX_PIXELS = 50_000_000
"""Most pixels an image may decode to, all frames together (50 megapixels)."""
JPEG_QUALITY = 90
WEBP_QUALITY = 90

_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# Information that describes pixels rather than people, kept when re-encoding.
_KEPT_INFO = ("transparency",)
_SAVABLE_MODES = {
    "JPEG": {"1", "L", "RGB", "CMYK"},
    "PNG": {"1", "L", "LA", "I", "I;16", "P", "PA", "RGB", "RGBA"},
    "WEBP": {"RGB", "RGBA"},
}

IMAGE_TOO_LARGE = N_("A photo is too large to process: it has more than %(mp)s megapixels.")
IMAGE_DAMAGED = N_("A photo is damaged or not a real image file, so it could not be read.")
PDF_DAMAGED = N_("A PDF file is damaged, so it could not be read.")
PDF_PASSWORD = N_("A PDF file is protected with a password. Please send it without one.")


def clean(kind: FileKind, data: bytes | bytearray) -> bytes:
    """The file ``data`` of type ``kind`` without its metadata (see the module docstring)."""
    if kind.cleaner == "image":
        return clean_image(data, kind.mime)
    if kind.cleaner == "pdf":
        return clean_pdf(data)
    raise ValueError(f"{kind.mime} files are not cleaned")


def clean_image(data: bytes | bytearray, mime: str) -> bytes:
    """A JPEG, PNG or WebP image re-encoded from its pixels, upright, without metadata."""
    fmt = _FORMATS[mime]
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as img:
            frames = getattr(img, "n_frames", 1) if fmt != "JPEG" else 1
            width, height = img.size
            if width * height * max(frames, 1) > MAX_PIXELS:
                raise InvalidInput(IMAGE_TOO_LARGE, mp=MAX_PIXELS // 1_000_000)
            options = _save_options(img, fmt, data)
            out = io.BytesIO()
            if frames > 1:
                _save_animation(img, fmt, out, options)
            else:
                _fresh(img, fmt).save(out, fmt, **options)
            return out.getvalue()
    except GratifyError:
        raise
    except Image.DecompressionBombError:
        raise InvalidInput(IMAGE_TOO_LARGE, mp=MAX_PIXELS // 1_000_000) from None
    except Exception:
        # Decoders raise many kinds of errors for damaged input (OSError, ValueError,
        # SyntaxError, struct.error…); each means the same to the person who sent it.
        raise InvalidInput(IMAGE_DAMAGED) from None


def _fresh(frame: Image.Image, fmt: str) -> Image.Image:
    """The frame upright, in sRGB, as a new image that carries none of the file's info."""
    try:
        upright = ImageOps.exif_transpose(frame)
    except Exception:
        # Unreadable EXIF (common enough from cheap cameras and editors) cannot say how
        # to turn the picture: keep it as stored. Damaged pixels fail again in copy().
        upright = frame.copy()
    upright = _to_srgb(upright)
    if upright.mode not in _SAVABLE_MODES[fmt]:
        upright = upright.convert("RGBA" if "A" in upright.mode and fmt != "JPEG" else "RGB")
    fresh = upright.copy()
    fresh.info = {key: upright.info[key] for key in _KEPT_INFO if key in upright.info}
    return fresh


def _to_srgb(img: Image.Image) -> Image.Image:
    icc = img.info.get("icc_profile")
    if not icc or img.mode not in ("RGB", "RGBA"):
        return img
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(
            img, source, ImageCms.createProfile("sRGB"), outputMode=img.mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return img  # an unusable profile: keep the pixels as they are, drop the profile
    return converted if converted is not None else img


def _save_options(img: Image.Image, fmt: str, data: bytes | bytearray) -> dict[str, object]:
    if fmt == "JPEG":
        is_jpeg = isinstance(img, JpegImagePlugin.JpegImageFile)
        sampling = JpegImagePlugin.get_sampling(img) if is_jpeg else -1
        return {"quality": JPEG_QUALITY, "subsampling": sampling}
    if fmt == "WEBP":
        if _webp_is_lossless(data):
            return {"lossless": True}
        return {"quality": WEBP_QUALITY}
    return {}


def _webp_is_lossless(data: bytes | bytearray) -> bool:
    """Whether the first image chunk of a WebP file (RIFF) is lossless (``VP8L``)."""
    offset = 12
    while offset + 8 <= len(data):
        fourcc = data[offset : offset + 4]
        size = int.from_bytes(data[offset + 4 : offset + 8], "little")
        if fourcc in (b"VP8 ", b"VP8L"):
            return fourcc == b"VP8L"
        if fourcc == b"ANMF":
            offset += 8 + 16  # the frame header; its image chunk follows
            continue
        offset += 8 + size + (size & 1)
    return False


def _save_animation(
    img: Image.Image, fmt: str, out: io.BytesIO, options: dict[str, object]
) -> None:
    frames: list[Image.Image] = []
    durations: list[int] = []
    for frame in ImageSequence.Iterator(img):
        frames.append(_fresh(frame, fmt))  # loads the frame, and with it its duration
        durations.append(int(frame.info.get("duration", 100)))
    loop = img.info.get("loop", 0)
    frames[0].save(
        out,
        fmt,
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=loop if isinstance(loop, int) else 0,
        **options,
    )


def clean_pdf(data: bytes | bytearray) -> bytes:
    """The PDF rewritten without document information, XMP or other metadata."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            _strip_pdf(pdf)
            out = io.BytesIO()
            pdf.save(
                out,
                fix_metadata_version=False,
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
                deterministic_id=True,
            )
            return out.getvalue()
    except pikepdf.PasswordError:
        raise InvalidInput(PDF_PASSWORD) from None
    except Exception:
        raise InvalidInput(PDF_DAMAGED) from None


def _strip_pdf(pdf: pikepdf.Pdf) -> None:
    # The file identifier: qpdf keeps the first half of an existing one, which the
    # author's software derived from the original file; without it a new one is computed.
    for key in ("/Info", "/ID"):
        if key in pdf.trailer:
            del pdf.trailer[key]
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            for key in ("/Metadata", "/PieceInfo"):
                if key in obj:
                    del obj[key]
    for page in pdf.pages:
        for annotation in page.obj.get("/Annots", pikepdf.Array()):
            # A markup annotation's /T is its author; a form field's (/Widget) is its name.
            is_dict = isinstance(annotation, pikepdf.Dictionary)
            if is_dict and annotation.get("/Subtype") != "/Widget" and "/T" in annotation:
                del annotation["/T"]
