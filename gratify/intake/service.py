"""Filing a report: check it, seal it, wrap its key, route it, give the receipt.

The slow work (Argon2id for the receipt key, HPKE wraps) runs in the crypto pool *before*
the write transaction opens, so SQLite's write lock is held only for the inserts. The
inserts are one transaction: a failure anywhere leaves no row (DESIGN.md principle 7).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import secrets
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError as DatabaseIntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gratify.accounts.keys import Keyring
from gratify.accounts.models import Tenant, User
from gratify.accounts.service import escrow_public_key, tenant_by_slug
from gratify.accounts.users import case_recipients
from gratify.audit.chain import record
from gratify.audit.events import ACTOR_REPORTER
from gratify.crypto.aead import associated_data, new_data_key, seal
from gratify.crypto.envelope import wrap_data_key
from gratify.crypto.kdf import Argon2Params, seal_under_secret
from gratify.crypto.pool import CryptoPool
from gratify.crypto.receipt import Receipt, new_receipt
from gratify.crypto.sign import sign_document
from gratify.db.engine import Database
from gratify.errors import N_, InvalidInput, NotFound
from gratify.intake.attachments import attach_to_case
from gratify.intake.forms import Forms, check_answers, default_forms
from gratify.intake.models import Case, CaseCounter, CaseExclusion, CaseKey
from gratify.intake.routing import route_report
from gratify.notify.service import notify_users
from gratify.rules.calendar import CalendarNotCovered
from gratify.rules.workflow import load_workflows
from gratify.settings import Settings

MAX_EXCLUDED = 20
RECEIVED = "received"


def report_context(case_id: str) -> bytes:
    return associated_data(case_id, "report")


def receipt_context(case_id: str) -> bytes:
    return associated_data(case_id, "receipt")


def key_context(case_id: str) -> bytes:
    return associated_data(case_id, "data-key")


def acknowledgement_context(case_id: str) -> bytes:
    return associated_data(case_id, "acknowledgement")


@dataclasses.dataclass(frozen=True, slots=True)
class CaseIdentity:
    """A new case's id and data key, made before anything else so uploads can be sealed."""

    case_id: str
    dek: bytes = dataclasses.field(repr=False)

    @classmethod
    def new(cls) -> CaseIdentity:
        return cls(secrets.token_hex(16), new_data_key())


@dataclasses.dataclass(frozen=True, slots=True)
class ReportDraft:
    """A report as the reporter sent it, not yet checked."""

    kind: str
    agency: str
    answers: Mapping[str, Any]
    excluded_handlers: Sequence[str] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Filed:
    """What the reporter gets back, once."""

    case_number: str
    receipt: Receipt = dataclasses.field(repr=False)
    acknowledgement: dict[str, object] | None


@dataclasses.dataclass(frozen=True, slots=True)
class IntakeContext:
    """What filing needs from the running app."""

    db: Database
    pool: CryptoPool
    keyring: Keyring
    argon2: Argon2Params
    timezone: str
    max_text_chars: int
    forms: Forms = dataclasses.field(default_factory=default_forms)
    # Tenants with forms of their own (settings.forms_dir); the others use `forms`.
    tenant_forms: Mapping[str, Forms] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        db: Database,
        pool: CryptoPool,
        keyring: Keyring,
        tenant_forms: Mapping[str, Forms] | None = None,
    ) -> IntakeContext:
        """The context the app (or a command) runs services in, from its settings."""
        return cls(
            db=db,
            pool=pool,
            keyring=keyring,
            argon2=Argon2Params(
                settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
            ),
            timezone=settings.timezone,
            max_text_chars=settings.max_text_chars,
            tenant_forms=tenant_forms or {},
        )

    def today(self, now: dt.datetime | None = None) -> dt.date:
        """The date in the tenants' time zone: deadlines and received dates are days there."""
        moment = now or dt.datetime.now(dt.UTC)
        return moment.astimezone(zoneinfo.ZoneInfo(self.timezone)).date()

    def forms_for(self, tenant: str) -> Forms:
        """The forms a tenant's reporters fill in."""
        return self.tenant_forms.get(tenant, self.forms)


def parse_draft(body: object) -> ReportDraft:
    """A `ReportDraft` from the JSON body of API.md; wrong shapes are `InvalidInput`."""
    if not isinstance(body, dict):
        raise InvalidInput(N_("The report must be a JSON object."))
    errors: dict[str, str] = {}
    kind, agency, answers = body.get("kind"), body.get("agency"), body.get("answers")
    excluded = body.get("excluded_handlers", [])
    if not isinstance(kind, str):
        errors["kind"] = N_("Please choose gratification, whistleblowing or broker.")
    if not isinstance(agency, str):
        errors["agency"] = N_("Please choose an agency.")
    if not isinstance(answers, dict):
        errors["answers"] = N_("The answers must be a JSON object.")
    if not (
        isinstance(excluded, list)
        and len(excluded) <= MAX_EXCLUDED
        and all(isinstance(name, str) and 0 < len(name) <= 64 for name in excluded)
    ):
        errors["excluded_handlers"] = N_("Name at most 20 usernames, as a list of texts.")
    unknown = set(body) - {"kind", "agency", "answers", "excluded_handlers"}
    for name in sorted(unknown)[:10]:
        errors[str(name)[:64]] = N_("This field does not belong to this form.")
    if errors:
        raise InvalidInput(N_("The report has mistakes."), fields=errors)
    assert isinstance(kind, str)
    assert isinstance(agency, str)
    assert isinstance(answers, dict)
    return ReportDraft(kind, agency, answers, tuple(excluded))


@dataclasses.dataclass(frozen=True, slots=True)
class _Checked:
    tenant: Tenant
    agency_id: int
    service_id: int | None
    answers: dict[str, Any]


async def _check(
    ctx: IntakeContext, tenant_slug: str, draft: ReportDraft, today: dt.date
) -> _Checked:
    async with ctx.db.reading() as session:
        tenant = await tenant_by_slug(session, tenant_slug)
    if tenant is None:
        raise NotFound()
    forms = ctx.forms_for(tenant.slug)
    form = forms.form(draft.kind)
    if form is None:
        raise InvalidInput(
            N_("The report has mistakes."),
            fields={"kind": N_("Please choose gratification, whistleblowing or broker.")},
        )
    agency = next((a for a in tenant.agencies if a.slug == draft.agency), None)
    services = [s.slug for s in agency.services] if agency else []
    checked = check_answers(
        form,
        draft.answers,
        services=services,
        today=today,
        max_text_chars=ctx.max_text_chars,
        reject_unknown=True,
    )
    errors = {f"answers.{name}": msgid for name, msgid in checked.errors.items()}
    if agency is None:
        errors["agency"] = N_("Please choose an agency of this region.")
    if errors:
        raise InvalidInput(N_("The report has mistakes."), fields=errors)
    assert agency is not None
    service_id = None
    if "service" in checked.answers:
        service_id = next(s.id for s in agency.services if s.slug == checked.answers["service"])
    return _Checked(tenant, agency.id, service_id, checked.answers)


async def file_report(
    ctx: IntakeContext,
    tenant_slug: str,
    draft: ReportDraft,
    *,
    now: dt.datetime,
    identity: CaseIdentity | None = None,
    attachment_ids: Sequence[str] = (),
) -> Filed:
    """File a report: the one use case of the reporter's side that writes a case.

    `identity` and `attachment_ids` come from a multipart upload that sealed its files
    under that identity first. Raises `NotFound` (tenant) or `InvalidInput` (with fields).
    """
    identity = identity or CaseIdentity.new()
    today = ctx.today(now)
    checked = await _check(ctx, tenant_slug, draft, today)
    tenant = checked.tenant
    concerns = bool(checked.answers.get("concerns_inspectorate", False))
    unit = route_report(tenant, draft.kind, concerns_inspectorate=concerns)
    async with ctx.db.reading() as session:
        recipients = await case_recipients(session, unit.id)
        excluded = await _excluded_users(
            session, tenant.id, unit.tenant_id, draft.excluded_handlers
        )
        escrow = await escrow_public_key(session, tenant.id)
    excluded_ids = {u.id for u in excluded}
    recipients = [u for u in recipients if u.id not in excluded_ids]

    case_id, dek = identity.case_id, identity.dek
    document = {
        "kind": draft.kind,
        "agency": draft.agency,
        "answers": checked.answers,
        "excluded_handlers": list(draft.excluded_handlers),
    }
    sealed_report = seal(dek, _json(document), context=report_context(case_id))
    wraps = [
        (
            user.id,
            await ctx.pool.run(wrap_data_key, dek, user.public_key, context=key_context(case_id)),
        )
        for user in recipients
    ]
    escrow_wrap = None
    if escrow is not None:
        escrow_wrap = await ctx.pool.run(
            wrap_data_key, dek, escrow.public_key, context=key_context(case_id)
        )
    value = checked.answers.get("estimated_value")
    forms = ctx.forms_for(tenant.slug)
    bracket = forms.value_bracket(value) if isinstance(value, int) else None

    for _attempt in range(3):
        receipt = new_receipt()
        receipt_key = await ctx.pool.run(
            seal_under_secret,
            receipt.secret_bytes,
            dek,
            params=ctx.argon2,
            context=receipt_context(case_id),
        )
        try:
            async with ctx.db.writing() as session:
                number = await _next_case_number(session, tenant, today.year)
                case = Case(
                    id=case_id,
                    tenant_id=tenant.id,
                    case_number=number,
                    kind=draft.kind,
                    agency_id=checked.agency_id,
                    service_id=checked.service_id,
                    unit_id=unit.id,
                    status=RECEIVED,
                    received_on=today,
                    status_since=today,
                    due_on=_first_deadline(draft.kind, today),
                    value_bracket=bracket,
                    concerns_inspectorate=concerns,
                    receipt_lookup=receipt.lookup,
                    receipt_key=receipt_key,
                    report=sealed_report,
                    report_digest=hashlib.sha256(sealed_report).hexdigest(),
                )
                acknowledgement = None
                if draft.kind == "gratification":
                    acknowledgement = _acknowledge(ctx, tenant, case, checked.answers, now)
                    case.acknowledgement = seal(
                        dek, _json(acknowledgement), context=acknowledgement_context(case_id)
                    )
                session.add(case)
                await session.flush()
                session.add_all(
                    CaseKey(case_id=case_id, user_id=uid, wrapped=w) for uid, w in wraps
                )
                if escrow is not None and escrow_wrap is not None:
                    session.add(
                        CaseKey(case_id=case_id, tenant_key_id=escrow.id, wrapped=escrow_wrap)
                    )
                session.add_all(CaseExclusion(case_id=case_id, user_id=u.id) for u in excluded)
                await attach_to_case(session, attachment_ids, case_id)
                # Only "a new case waits" and a link: the mail is queued with the case, and
                # a mail server being down cannot fail the filing (gratify/notify/sender.py).
                await notify_users(session, recipients, "new_cases", now)
                # Last: the tenant's chain head stays locked until this commits.
                await record(
                    session,
                    keyring=ctx.keyring,
                    tenant_id=tenant.id,
                    event="case.filed",
                    actor=ACTOR_REPORTER,
                    case_id=case_id,
                    details={"kind": draft.kind, "unit": unit.slug},
                    now=now,
                )
            return Filed(number, receipt, acknowledgement)
        except DatabaseIntegrityError:
            # A receipt lookup part collided with another case's (40 bits): draw again.
            continue
    raise RuntimeError("could not allocate a unique receipt")


def _first_deadline(kind: str, today: dt.date) -> dt.date | None:
    """When a new case must be acknowledged (rules/data/workflow.toml)."""
    flow = load_workflows().of(kind)
    try:
        return flow.due_on(flow.initial, today, today)
    except CalendarNotCovered:
        return None


async def _excluded_users(
    session: AsyncSession, tenant_id: int, unit_tenant_id: int, names: Sequence[str]
) -> list[User]:
    if not names:
        return []
    wanted = {name.strip().lower() for name in names}
    rows = await session.scalars(
        select(User).where(
            User.tenant_id.in_({tenant_id, unit_tenant_id}), func.lower(User.username).in_(wanted)
        )
    )
    return list(rows)


async def _next_case_number(session: AsyncSession, tenant: Tenant, year: int) -> str:
    """The tenant's next case number for the year, e.g. ``METRO-2026-000042``; race-free."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(CaseCounter)
        .values(tenant_id=tenant.id, year=year, last=1)
        .on_conflict_do_update(
            index_elements=[CaseCounter.tenant_id, CaseCounter.year],
            set_={"last": CaseCounter.last + 1},
        )
        .returning(CaseCounter.last)
    )
    number = (await session.execute(statement)).scalar_one()
    return f"{tenant.slug.upper()}-{year}-{number:06d}"


def _acknowledge(
    ctx: IntakeContext, tenant: Tenant, case: Case, answers: Mapping[str, Any], now: dt.datetime
) -> dict[str, object]:
    """The signed *tanda terima*: proof that this report was filed at this time (API.md)."""
    filed_at = now.astimezone(zoneinfo.ZoneInfo(ctx.timezone)).replace(second=0, microsecond=0)
    document: dict[str, object] = {
        "case_number": case.case_number,
        "tenant": tenant.slug,
        "kind": case.kind,
        "filed_at": filed_at.isoformat(),
        "reporter_nip": str(answers.get("reporter_nip", "")),
        "reporter_name": str(answers.get("reporter_name", "")),
        "report_digest": case.report_digest,
    }
    return sign_document(document, ctx.keyring.signing_key)


def _json(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
