"""`gratify demo`: demo staff (printed) and a few sample reports (API.md, "Commands").

Everything here is for trying the product on a laptop: the password is printed and the
same for everyone. Never run it against a real installation's data dir.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import func, select

from gratify.accounts.keys import Keyring
from gratify.accounts.models import Tenant, User
from gratify.accounts.tenants_config import demo_tenants_config
from gratify.accounts.totp import enrol, issuer, open_secret, provisioning_uri
from gratify.accounts.users import NewUser, create_user
from gratify.crypto.kdf import Argon2Params
from gratify.crypto.pool import CryptoPool
from gratify.db.engine import Database
from gratify.intake.models import Case
from gratify.intake.service import Filed, IntakeContext, ReportDraft, file_report
from gratify.settings import Settings

DEMO_PASSWORD = "demo-gratify-2026"  # noqa: S105 (printed on purpose: a demo)


@dataclasses.dataclass(frozen=True, slots=True)
class DemoAccount:
    tenant: str
    username: str
    role: str
    totp_uri: str


@dataclasses.dataclass(frozen=True, slots=True)
class DemoReport:
    tenant: str
    kind: str
    case_number: str
    receipt: str


def _sample_reports(today: dt.date) -> list[ReportDraft]:
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    return [
        ReportDraft(
            "gratification",
            "dpmptsp",
            {
                "reporter_name": "Rina Wulandari (contoh)",
                "reporter_nik": "1872015501900002",
                "reporter_nip": "199203152018032001",
                "reporter_position": "Analis Perizinan",
                "reporter_address": "Jl. Contoh No. 1",
                "reporter_phone": "0812-0000-0001",
                "giver_name": "CV Contoh Makmur",
                "relationship": "service_user",
                "received_on": yesterday,
                "received_place": "Kantor DPMPTSP",
                "gift_kind": "goods",
                "gift_description": "Parsel buah dan jam tangan (contoh)",
                "estimated_value": 2_000_000,
                "occasion": "service_duty",
                "chronology": "Diantar ke meja setelah izin terbit. Saya menolaknya.",
                "gift_status": "refused",
                "object_location": "with_giver",
            },
        ),
        ReportDraft(
            "whistleblowing",
            "disdikbud",
            {
                "category": "extortion",
                "place": "Sekolah contoh",
                "what_happened": "Pungutan untuk penerimaan murid baru (contoh).",
                "how_known": "experienced",
            },
        ),
        ReportDraft(
            "broker",
            "disdukcapil",
            {
                "service": "ktp-el",
                "occurred_on": yesterday,
                "time_window": "08-10",
                "amount_asked": 300_000,
                "officer_involved": "unsure",
                "what_happened": "Calo di parkiran menawarkan KTP-el jadi hari itu (contoh).",
            },
        ),
    ]


async def prepare_demo(settings: Settings) -> tuple[list[DemoAccount], list[DemoReport]]:
    """Make the demo staff (if missing) and sample reports (if there are none yet)."""
    keyring = Keyring.load(settings.resolved_keys_dir)
    params = Argon2Params(
        settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
    )
    db = Database(settings.resolved_database_url)
    pool = CryptoPool(settings.crypto_threads)
    accounts: list[DemoAccount] = []
    reports: list[DemoReport] = []
    try:
        async with db.writing() as session:
            tenants = {t.slug: t for t in await session.scalars(select(Tenant))}
            for spec in demo_tenants_config().tenants:
                tenant = tenants[spec.slug]
                people = [
                    (f"{u.slug}-{r}", r, u.slug)
                    for u in spec.units
                    for r in ("handler", "supervisor")
                ]
                for username, role, unit in [*people, ("admin", "admin", None)]:
                    user = await session.scalar(
                        select(User).where(User.tenant_id == tenant.id, User.username == username)
                    )
                    if user is None:
                        user = await create_user(
                            session,
                            pool,
                            NewUser(spec.slug, username, role, DEMO_PASSWORD, unit),
                            params,
                            dt.date.today(),
                        )
                    secret = (
                        open_secret(keyring.session_secret, user)
                        if user.totp_secret is not None
                        else enrol(keyring.session_secret, user)
                    )
                    uri = provisioning_uri(user, secret, issuer(tenant.name))
                    accounts.append(DemoAccount(spec.slug, username, role, uri))
            existing = await session.scalar(select(func.count()).select_from(Case))
        if not existing:
            ctx = IntakeContext.from_settings(settings, db=db, pool=pool, keyring=keyring)
            now = dt.datetime.now(dt.UTC)
            for spec in demo_tenants_config().tenants:
                for draft in _sample_reports(now.date()):
                    filed: Filed = await file_report(ctx, spec.slug, draft, now=now)
                    reports.append(
                        DemoReport(
                            spec.slug, draft.kind, filed.case_number, filed.receipt.formatted
                        )
                    )
    finally:
        pool.close()
        await db.dispose()
    return accounts, reports


def describe(accounts: list[DemoAccount], reports: list[DemoReport]) -> str:
    """What `gratify demo` prints: who can sign in, and the sample reports' receipts."""
    lines = [
        "Demo staff (sign in at /masuk; every password is " + DEMO_PASSWORD + "):",
        "Add the TOTP URI to an authenticator app, or compute codes from its secret.",
    ]
    lines += [f"  {a.tenant:15} {a.username:22} {a.role:10} {a.totp_uri}" for a in accounts]
    if reports:
        lines.append("Sample reports (their receipts open them at /kotak):")
        lines += [f"  {r.tenant:15} {r.kind:15} {r.case_number:28} {r.receipt}" for r in reports]
    return "\n".join(lines)
