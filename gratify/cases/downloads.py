"""Serving a case's attachment: decrypted as it streams, under a sandboxing policy.

One place for the headers, so the API and the pages cannot drift apart: a hostile file
shown inline can run nothing and reach nothing, and only this site's own case page may
frame an inline preview.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import StreamingResponse

from gratify.cases.access import CaseActor, open_case_key
from gratify.cases.trail import audit
from gratify.intake.attachments import open_attachment
from gratify.intake.service import IntakeContext

SAFE_INLINE = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})


async def attachment_response(
    ctx: IntakeContext,
    actor: CaseActor,
    case_id: str,
    attachment_id: str,
    *,
    inline: bool,
    framed_by_site: bool = False,
) -> StreamingResponse:
    """The file, as a download, or inline when asked for and of a type safe to show."""
    async with ctx.db.writing() as session:
        case, dek = await open_case_key(session, actor, case_id)
        await audit(
            ctx, session, case, actor, "case.attachment.downloaded", attachment=attachment_id
        )
    meta, chunks = await open_attachment(ctx.db, case.id, attachment_id, dek, pool=ctx.pool)
    shown = inline and meta.content_type in SAFE_INLINE
    disposition = "inline" if shown else "attachment"
    ascii_name = meta.filename.encode("ascii", "replace").decode().replace('"', "_")
    framing = "frame-ancestors 'self'" if shown and framed_by_site else "frame-ancestors 'none'"
    return StreamingResponse(
        chunks,
        media_type=meta.content_type if shown else "application/octet-stream",
        headers={
            "Content-Disposition": f'{disposition}; filename="{ascii_name}"; '
            f"filename*=UTF-8''{quote(meta.filename, safe='')}",
            "Content-Length": str(meta.size),
            "Content-Security-Policy": f"sandbox; default-src 'none'; img-src 'self'; {framing}",
        },
    )
