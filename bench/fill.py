"""Fill an installation with many cases, sealed as real ones are: the benchmarks' generator.

    .venv/bin/python bench/fill.py --data-dir DIR [--database-url URL] [--cases 1000000]

Creates an installation with `initialise` (database migrated to head first, so every index
the migrations make exists while the rows go in), 3 tenants with 20 handler units between
them (the demo tenants, each with extra *inspektur pembantu* units), a handler and a
supervisor in every unit (``<unit>-handler``, ``<unit>-supervisor``, the password and TOTP
secrets of ``tests/conftest.py``'s demo staff), then ``--cases`` cases inserted in
batches of 5,000, one transaction each, in the order they were received.

What each case holds, and how it is made:

* Metadata in the clear (`plan_cases`, seeded, so both engines get the same data): unit
  drawn evenly over the 20 units (50,000 cases each at 1,000,000); 5% of an inspectorate's
  cases come from the tenant whose partner it is (``concerns_inspectorate``); kind by unit
  (a UPG receives gratification, the others mostly broker and whistleblowing reports);
  agency (broker reports are half about the population registry, ``disdukcapil``) and
  service; received on a day of the last 3 years; status by age (old cases are mostly
  closed, recent ones spread over the open states); ``status_since``, and ``due_on`` from
  the workflow (`Workflow.due_on`, as the app computes it); assignment, value bracket,
  closing reason and KPK outcome where they apply; case numbers per tenant and year in
  the order received (and ``case_counters`` set to match); receipt lookups unique.
* A fresh random data key per case, the report (the answers to the kind's form, about
  1.3 KB of JSON) sealed under it with AES-256-GCM (`seal`, `report_context`), its digest,
  and for gratification the signed acknowledgement sealed under it.
* One `CaseKey` per handler and supervisor of the unit and one for the filing tenant's
  escrow key: **real HPKE wraps** (ML-KEM-768 + X25519) of the case's own key, each under
  the case's own context. 3,000,000 wraps at 1,000,000 cases; they are made in a pool of
  worker processes (``--workers``, default the CPU count) while the main process inserts,
  with each recipient's public key parsed once per worker instead of once per wrap (the
  bytes are what `wrap_data_key` produces).
* The receipt key is **not** per case: one Argon2id derivation per case would take days
  at the deployment's parameters. Each batch of 5,000 cases shares one `seal_under_secret`
  blob, made with the test parameters over the data key of the batch's first case: the
  right size and format, but it opens no case (no receipt exists for these cases).
* History only for the measured unit (metro/inspektorat): its cases carry the transitions
  that lead to their status (sealed reasons, KPK's decision, the closing reason) and the
  closing message to the reporter, as `transition_case` writes them, so opening one of them
  unseals what a real case would hold. The other units' cases have no history rows; no
  case has attachments or notes.

After the load: PostgreSQL gets ``VACUUM ANALYZE`` (what autovacuum does after a bulk
insert, done now so the measurements do not race it); SQLite is left without statistics,
as the app never runs ``ANALYZE`` (a deployment's planner has none either).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import contextlib
import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import multiprocessing
import os
import random
import secrets
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from gratify.accounts.install import initialise
from gratify.accounts.keys import Keyring
from gratify.accounts.models import Agency, Service, Tenant, TenantKey, Unit, User
from gratify.accounts.service import ESCROW
from gratify.accounts.tenants_config import TenantsConfig, UnitSpec, demo_tenants_config
from gratify.accounts.totp import enrol
from gratify.accounts.users import NewUser, create_user
from gratify.cases.service import _transition_context
from gratify.crypto import envelope
from gratify.crypto.aead import associated_data, new_data_key, seal
from gratify.crypto.kdf import FAST_TEST_PARAMS, seal_under_secret
from gratify.crypto.pool import CryptoPool
from gratify.crypto.receipt import ALPHABET
from gratify.crypto.sign import sign_document
from gratify.db.engine import Database
from gratify.intake.forms import FieldSpec, default_forms
from gratify.intake.service import (
    acknowledgement_context,
    key_context,
    receipt_context,
    report_context,
)
from gratify.rules.calendar import CalendarNotCovered
from gratify.rules.workflow import Workflow, load_workflows
from gratify.settings import Settings

DEFAULT_CASES = 1_000_000
BATCH = 5_000
YEARS = 3
STAFF_PASSWORD = "correct horse battery staple"  # noqa: S105 (tests/conftest.py's)
MEASURED_TENANT = "metro"
MEASURED_UNIT = "inspektorat"
MEASURED_HANDLER = f"{MEASURED_UNIT}-handler"
MARKER = "fill.json"
# Inspektur pembantu (assistant inspectors' units) added to each demo tenant: 20 units in all.
EXTRA_UNITS = {"metro": 5, "pringsewu": 5, "lampung-tengah": 4}
ROMAN = ("I", "II", "III", "IV", "V", "VI")
PARTNER_SHARE = 0.05

CASE_COLUMNS = (
    "id",
    "tenant_id",
    "case_number",
    "kind",
    "agency_id",
    "service_id",
    "unit_id",
    "status",
    "received_on",
    "due_on",
    "value_bracket",
    "concerns_inspectorate",
    "receipt_lookup",
    "receipt_key",
    "report",
    "report_digest",
    "acknowledgement",
    "status_since",
    "assigned_to",
    "kpk_outcome",
    "closing_reason",
)
# With the case's inbox columns, which the database would otherwise copy row by row
# (the trigger of migration 0008 runs only for a key row that lacks them).
KEY_COLUMNS = (
    "case_id", "user_id", "tenant_key_id", "wrapped",
    "unit_id", "status", "received_on", "kind", "agency_id", "due_on",
)  # fmt: skip
TRANSITION_COLUMNS = ("case_id", "from_status", "to_status", "actor_id", "on", "sealed")
MESSAGE_COLUMNS = ("case_id", "sender", "author_id", "sealed")
TABLES = (
    ("cases", CASE_COLUMNS),
    ("case_keys", KEY_COLUMNS),
    ("case_transitions", TRANSITION_COLUMNS),
    ("case_messages", MESSAGE_COLUMNS),
)


def staff_totp_secret(tenant: str, username: str) -> str:
    """The TOTP secret of a staff member made here: `demo_totp_secret` of tests/conftest.py."""
    digest = hashlib.sha256(f"gratify demo totp:{tenant}:{username}".encode()).digest()
    return base64.b32encode(digest[:20]).decode("ascii")


def bench_tenants_config() -> TenantsConfig:
    """The demo tenants with 20 units between them."""
    demo = demo_tenants_config()
    tenants = []
    for spec in demo.tenants:
        extra = tuple(
            UnitSpec(f"irban-{n + 1}", f"Inspektur Pembantu {ROMAN[n]} {spec.name}")
            for n in range(EXTRA_UNITS[spec.slug])
        )
        tenants.append(dataclasses.replace(spec, units=spec.units + extra))
    config = TenantsConfig(tuple(tenants))
    assert sum(len(t.units) for t in config.tenants) == 20
    return config


# The installation as the generator needs it ---------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class UnitInfo:
    id: int
    tenant_id: int
    slug: str
    staff: tuple[tuple[int, str, bytes], ...]  # (user id, role, public key)
    partner_of: tuple[int, ...]  # tenants whose reports about their inspectorate come here


@dataclasses.dataclass(frozen=True, slots=True)
class AgencyInfo:
    id: int
    slug: str
    services: tuple[tuple[int, str], ...]


@dataclasses.dataclass(frozen=True, slots=True)
class Layout:
    tenants: dict[int, str]  # id -> slug
    units: tuple[UnitInfo, ...]
    agencies: dict[int, tuple[AgencyInfo, ...]]  # tenant id -> its agencies
    escrow: dict[int, tuple[int, bytes]]  # tenant id -> (tenant key id, public key)
    measured_unit: int


async def _layout(db: Database) -> Layout:
    async with db.reading() as session:
        tenants = {t.id: t for t in await session.scalars(select(Tenant))}
        units = list(await session.scalars(select(Unit).order_by(Unit.id)))
        users = list(await session.scalars(select(User).order_by(User.id)))
        agencies = list(await session.scalars(select(Agency).order_by(Agency.id)))
        services = list(await session.scalars(select(Service).order_by(Service.id)))
        keys = list(
            await session.scalars(
                select(TenantKey).where(TenantKey.purpose == ESCROW, TenantKey.retired_on.is_(None))
            )
        )
    by_agency: dict[int, list[tuple[int, str]]] = collections.defaultdict(list)
    for s in services:
        by_agency[s.agency_id].append((s.id, s.slug))
    per_tenant: dict[int, list[AgencyInfo]] = collections.defaultdict(list)
    for a in agencies:
        per_tenant[a.tenant_id].append(AgencyInfo(a.id, a.slug, tuple(by_agency[a.id])))
    unit_infos = []
    measured = None
    for u in units:
        staff = tuple(
            (user.id, user.role, user.public_key)
            for user in users
            if user.unit_id == u.id and user.role in ("handler", "supervisor")
        )
        partner_of = tuple(t.id for t in tenants.values() if t.partner_unit_id == u.id)
        unit_infos.append(UnitInfo(u.id, u.tenant_id, u.slug, staff, partner_of))
        if tenants[u.tenant_id].slug == MEASURED_TENANT and u.slug == MEASURED_UNIT:
            measured = u.id
    assert measured is not None
    return Layout(
        tenants={t.id: t.slug for t in tenants.values()},
        units=tuple(unit_infos),
        agencies={tid: tuple(a) for tid, a in per_tenant.items()},
        escrow={k.tenant_id: (k.id, k.public_key) for k in keys},
        measured_unit=measured,
    )


# Planning the metadata (seeded) ---------------------------------------------------------


class Plan(NamedTuple):
    """Everything about one case but its cryptography."""

    seed: int
    tenant_id: int
    unit_id: int
    kind: str
    agency_id: int
    agency: str
    service_id: int | None
    service: str | None
    status: str
    received_on: dt.date
    status_since: dt.date
    due_on: dt.date | None
    value: int | None
    value_bracket: str | None
    concerns: bool
    closing_reason: str | None
    kpk_outcome: str | None
    assigned_to: int | None
    case_number: str
    receipt_lookup: str


OPEN_WEIGHTS = {
    "received": 5,
    "acknowledged": 15,
    "in_review": 45,
    "awaiting_reporter": 12,
    "forwarded": 15,
    "forwarded_to_kpk": 15,
    "decided": 8,
    "kpk_decided": 8,
}
KIND_WEIGHTS = {
    "upg": {"gratification": 85, "whistleblowing": 10, "broker": 5},
    "other": {"broker": 55, "whistleblowing": 35, "gratification": 10},
}
BROKER_AGENCY_WEIGHTS = {"disdukcapil": 50, "dpmptsp": 15}  # the other 5 share the rest
CLOSING = {
    "gratification": ("kpk_decided", "incomplete", "duplicate", "out_of_scope"),
    "whistleblowing": ("resolved", "not_substantiated", "forwarded", "duplicate", "incomplete"),
    "broker": ("resolved", "not_substantiated", "forwarded", "duplicate", "out_of_scope"),
}
_EPOCH = dt.date(2000, 1, 1)


def _lookup(n: int, salt: int) -> str:
    """A receipt lookup part unique to `n` (< 2**40): an odd multiplier is a bijection."""
    value = (n * 0x9E3779B97F + salt) % (1 << 40)
    return "".join(ALPHABET[(value >> (35 - 5 * i)) & 31] for i in range(8))


def _closed_probability(age: int) -> float:
    if age > 180:
        return 0.96
    if age > 60:
        return 0.7
    if age > 14:
        return 0.35
    return 0.05


def plan_cases(layout: Layout, count: int, seed: int, today: dt.date) -> list[Plan]:
    """`count` cases' metadata, sorted by the day received, numbered per tenant and year."""
    rng = random.Random(seed)
    flows = load_workflows()
    forms = default_forms()
    due_cache: dict[tuple[str, str, dt.date, dt.date], dt.date | None] = {}
    days = YEARS * 365
    raw: list[Plan] = []
    for _ in range(count):
        unit = layout.units[rng.randrange(len(layout.units))]
        tenant_id, concerns = unit.tenant_id, False
        if unit.partner_of and rng.random() < PARTNER_SHARE:
            tenant_id, concerns = rng.choice(unit.partner_of), True
        weights = KIND_WEIGHTS["upg" if unit.slug == "upg" else "other"]
        kind = rng.choices(tuple(weights), tuple(weights.values()))[0]
        agencies = layout.agencies[tenant_id]
        if kind == "broker":
            agency_weights = [BROKER_AGENCY_WEIGHTS.get(a.slug, 7) for a in agencies]
            agency = rng.choices(agencies, agency_weights)[0]
        else:
            agency = rng.choice(agencies)
        service_id, service = None, None
        if kind == "broker" and agency.services:
            service_id, service = rng.choice(agency.services)
        received = today - dt.timedelta(days=rng.randrange(days))
        age = (today - received).days
        flow = flows.of(kind)
        if rng.random() < _closed_probability(age):
            status = "closed"
        elif age <= 3:
            status = rng.choices(("received", "acknowledged"), (7, 3))[0]
        else:
            names = [s.name for s in flow.states if not s.final]
            status = rng.choices(names, [OPEN_WEIGHTS[s] for s in names])[0]
        since = (
            received
            if status == "received"
            else received + dt.timedelta(days=rng.randint(min(age, 1), min(age, 120)))
        )
        key = (kind, status, received, since)
        if key not in due_cache:
            try:
                due_cache[key] = flow.due_on(status, received, since)
            except CalendarNotCovered:
                due_cache[key] = None
        value = bracket = None
        if kind == "gratification":
            value = int(10 ** rng.uniform(5, 8.5)) // 1000 * 1000
            bracket = forms.value_bracket(value)
        closing = outcome = None
        if status == "closed":
            closing = rng.choice(CLOSING[kind])
            if closing == "kpk_decided":
                outcome = rng.choice(flows.kpk_outcomes).value
        elif status == "kpk_decided":
            outcome = rng.choice(flows.kpk_outcomes).value
        assigned = None
        if status != "received" and unit.staff and rng.random() < 0.7:
            assigned = rng.choice(unit.staff)[0]
        raw.append(
            Plan(
                rng.getrandbits(63),
                tenant_id,
                unit.id,
                kind,
                agency.id,
                agency.slug,
                service_id,
                service,
                status,
                received,
                since,
                due_cache[key],
                value,
                bracket,
                concerns,
                closing,
                outcome,
                assigned,
                "",
                "",
            )
        )
    raw.sort(key=lambda p: (p.received_on, p.seed))
    numbers: collections.Counter[tuple[int, int]] = collections.Counter()
    salt = rng.getrandbits(40)
    plans = []
    for n, plan in enumerate(raw):
        year = plan.received_on.year
        numbers[plan.tenant_id, year] += 1
        serial = numbers[plan.tenant_id, year]
        number = f"{layout.tenants[plan.tenant_id].upper()}-{year}-{serial:06d}"
        plans.append(plan._replace(case_number=number, receipt_lookup=_lookup(n, salt)))
    return plans


def case_counters(plans: Sequence[Plan]) -> list[tuple[int, int, int]]:
    """``case_counters`` rows matching the case numbers given out: (tenant, year, last)."""
    last: dict[tuple[int, int], int] = {}
    for plan in plans:
        key = (plan.tenant_id, plan.received_on.year)
        last[key] = last.get(key, 0) + 1
    return [(tenant, year, n) for (tenant, year), n in sorted(last.items())]


# Sealing, in worker processes -----------------------------------------------------------

_PROSE = (
    "petugas meminta uang tambahan agar berkas cepat selesai di loket pelayanan kantor dinas "
    "warga datang sejak pagi antre lama lalu ditawari jalur cepat oleh seseorang yang mengaku "
    "kenal pejabat bagian pendaftaran dan membayar tunai tanpa kuitansi resmi kemudian "
    "dokumen jadi dalam dua hari sedangkan pemohon lain menunggu berminggu minggu karena "
    "katanya blanko habis sistem sedang gangguan atau tanda tangan kepala bidang belum ada "
    "bingkisan parsel diterima menjelang hari raya dari rekanan proyek pengadaan barang jasa "
    "amplop berisi uang diserahkan setelah rapat koordinasi di hotel oleh kontraktor yang "
    "sedang mengikuti tender pembangunan gedung sekolah dan jalan lingkungan kelurahan"
)
WORDS = tuple(_PROSE.split())
FIRST = ("Siti", "Budi", "Dewi", "Agus", "Rina", "Ahmad", "Nur", "Wahyu", "Sri", "Eko", "Lina")
LAST = ("Rahayu", "Santoso", "Lestari", "Saputra", "Wulandari", "Hidayat", "Putri", "Pratama")


def _words(rng: random.Random, low: int, high: int) -> str:
    """Indonesian-looking prose of `low` to `high` characters."""
    target = rng.randint(low, high)
    out: list[str] = []
    size = 0
    while size < target:
        sentence = " ".join(rng.choices(WORDS, k=rng.randint(6, 16)))
        out.append(sentence.capitalize() + ".")
        size += len(sentence) + 2
    return " ".join(out)[:target]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _digits(rng: random.Random, count: int) -> str:
    return f"{rng.randrange(10**count):0{count}d}"


def _answer(field: FieldSpec, plan: Plan, rng: random.Random) -> Any:
    match field.type:
        case "text":
            return _name(rng) if "name" in field.name else _words(rng, 8, 60)
        case "textarea":
            return _words(rng, 40, min(field.max_length or 900, 900))
        case "date":
            return (plan.received_on - dt.timedelta(days=rng.randrange(30))).isoformat()
        case "time":
            return f"{rng.randrange(7, 17):02d}:{rng.randrange(60):02d}"
        case "choice":
            return rng.choice(field.choices).value
        case "money":
            return plan.value if field.name == "estimated_value" else rng.randrange(1, 200) * 50_000
        case "yesno":
            return plan.concerns if field.name == "concerns_inspectorate" else rng.random() < 0.5
        case "nik":
            return _digits(rng, 16)
        case "nip":
            return _digits(rng, 18)
        case "email":
            return f"{rng.choice(FIRST).lower()}{rng.randrange(100)}@contoh.go.id"
        case "phone":
            return "08" + _digits(rng, 10)
        case "service":
            return plan.service
    raise ValueError(field.type)


def report_document(plan: Plan) -> dict[str, Any]:
    """The report as `file_report` seals it: answers to the kind's form."""
    rng = random.Random(plan.seed)
    form = default_forms().form(plan.kind)
    assert form is not None
    answers = {
        f.name: _answer(f, plan, rng)
        for f in form.fields
        if f.required or f.name == "concerns_inspectorate" or rng.random() < 0.5
    }
    return {"kind": plan.kind, "agency": plan.agency, "answers": answers, "excluded_handlers": []}


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


@dataclasses.dataclass(slots=True)
class _Worker:
    sqlite: bool
    keyring: Keyring
    tenants: dict[int, str]
    recipients: dict[int, list[tuple[int, Any]]]  # unit id -> (user id, parsed public key)
    escrow: dict[int, tuple[int, Any]]
    history_unit: int
    actors: dict[int, int]  # unit id -> its handler's user id
    paths: dict[tuple[str, str, bool], list[str]]


_worker: _Worker | None = None


def _init_worker(
    keys_dir: Path, sqlite: bool, layout: Layout, paths: dict[tuple[str, str, bool], list[str]]
) -> None:
    global _worker
    _worker = _Worker(
        sqlite=sqlite,
        keyring=Keyring.load(keys_dir),
        tenants=layout.tenants,
        recipients={
            u.id: [(uid, envelope._load_public(pub)) for uid, _role, pub in u.staff]
            for u in layout.units
        },
        escrow={t: (kid, envelope._load_public(pub)) for t, (kid, pub) in layout.escrow.items()},
        history_unit=layout.measured_unit,
        actors={
            u.id: next(uid for uid, role, _ in u.staff if role == "handler")
            for u in layout.units
            if u.staff
        },
        paths=paths,
    )


def _wrap(dek: bytes, public: Any, case_id: str) -> bytes:
    """`envelope.wrap_data_key` with the public key parsed once: the same bytes."""
    sealed = envelope._SUITE.encrypt(dek, public, info=envelope._INFO_LABEL + key_context(case_id))
    return bytes([envelope.WRAP_VERSION]) + sealed


def _day(day: dt.date | None, sqlite: bool) -> dt.date | str | None:
    return day.isoformat() if sqlite and day is not None else day


Rows = dict[str, list[tuple[Any, ...]]]


def seal_batch(plans: Sequence[Plan]) -> Rows:
    """The rows of a batch of cases: each sealed under its own key, wrapped to its recipients."""
    w = _worker
    assert w is not None, "call _init_worker first"
    rows: Rows = {table: [] for table, _ in TABLES}
    receipt_key = b""
    for plan in plans:
        case_id = secrets.token_hex(16)
        dek = new_data_key()
        if not receipt_key:  # one blob per batch (see the module's docstring)
            receipt_key = seal_under_secret(
                secrets.token_bytes(10),
                dek,
                params=FAST_TEST_PARAMS,
                context=receipt_context(case_id),
            )
        report = seal(dek, _json(report_document(plan)), context=report_context(case_id))
        digest = hashlib.sha256(report).hexdigest()
        acknowledgement = None
        if plan.kind == "gratification":
            document = {
                "case_number": plan.case_number,
                "tenant": w.tenants[plan.tenant_id],
                "kind": plan.kind,
                "filed_at": f"{plan.received_on.isoformat()}T10:15:00+07:00",
                "reporter_nip": "1" * 18,
                "reporter_name": "Pelapor",
                "report_digest": digest,
            }
            acknowledgement = seal(
                dek,
                _json(sign_document(document, w.keyring.signing_key)),
                context=acknowledgement_context(case_id),
            )
        rows["cases"].append(
            (
                case_id,
                plan.tenant_id,
                plan.case_number,
                plan.kind,
                plan.agency_id,
                plan.service_id,
                plan.unit_id,
                plan.status,
                _day(plan.received_on, w.sqlite),
                _day(plan.due_on, w.sqlite),
                plan.value_bracket,
                int(plan.concerns) if w.sqlite else plan.concerns,
                plan.receipt_lookup,
                receipt_key,
                report,
                digest,
                acknowledgement,
                _day(plan.status_since, w.sqlite),
                plan.assigned_to,
                plan.kpk_outcome,
                plan.closing_reason,
            )
        )
        inbox = (
            plan.unit_id,
            plan.status,
            _day(plan.received_on, w.sqlite),
            plan.kind,
            plan.agency_id,
            _day(plan.due_on, w.sqlite),
        )
        for user_id, public in w.recipients[plan.unit_id]:
            rows["case_keys"].append((case_id, user_id, None, _wrap(dek, public, case_id), *inbox))
        escrow_id, escrow_public = w.escrow[plan.tenant_id]
        escrow_wrap = _wrap(dek, escrow_public, case_id)
        rows["case_keys"].append((case_id, None, escrow_id, escrow_wrap, *inbox))
        if plan.unit_id == w.history_unit:
            _history(w, plan, case_id, dek, rows)
    return rows


def _history(w: _Worker, plan: Plan, case_id: str, dek: bytes, rows: Rows) -> None:
    """The transitions that led to the case's status, as `transition_case` writes them."""
    path = w.paths[plan.kind, plan.status, plan.kpk_outcome is not None]
    actor = w.actors[plan.unit_id]
    span = (plan.status_since - plan.received_on).days
    rng = random.Random(plan.seed ^ 1)
    for step, (source, target) in enumerate(itertools.pairwise(path), start=1):
        on = plan.received_on + dt.timedelta(days=span * step // (len(path) - 1))
        details: dict[str, str] = {}
        if target == "kpk_decided":
            details = {
                "decision_date": on.isoformat(),
                "decision_number": f"{rng.randrange(1000, 9999)}/GRAT/{on.year}",
                "outcome": plan.kpk_outcome or "milik_negara",
            }
        elif target == "closed" and plan.closing_reason:
            details = {"closing_reason": plan.closing_reason}
        reason = _words(rng, 30, 200)
        content = json.dumps({"reason": reason, "details": details}, ensure_ascii=False)
        rows["case_transitions"].append(
            (
                case_id,
                source,
                target,
                actor,
                _day(on, w.sqlite),
                seal(dek, content.encode(), context=_transition_context(case_id)),
            )
        )
        if target == "closed":
            message = json.dumps({"body": reason, "at": f"{on.isoformat()}T10:00:00+07:00"})
            rows["case_messages"].append(
                (
                    case_id,
                    "handler",
                    actor,
                    seal(
                        dek,
                        message.encode(),
                        context=associated_data(case_id, "message", "handler"),
                    ),
                )
            )


def _paths() -> dict[tuple[str, str, bool], list[str]]:
    """For each kind, status and "has a KPK outcome": the statuses a case went through."""
    flows = load_workflows()
    paths: dict[tuple[str, str, bool], list[str]] = {}
    for kind, flow in flows.kinds.items():
        shortest = _shortest(flow)
        for state in flow.states:
            for kpk in (False, True):
                if state.name == "closed":
                    via = "kpk_decided" if kpk and "kpk_decided" in shortest else "in_review"
                    paths[kind, state.name, kpk] = [*shortest[via], "closed"]
                else:
                    paths[kind, state.name, kpk] = shortest[state.name]
    return paths


def _shortest(flow: Workflow) -> dict[str, list[str]]:
    found = {flow.initial: [flow.initial]}
    queue = collections.deque([flow.initial])
    while queue:
        state = queue.popleft()
        for t in flow.allowed_from(state):
            if t.target not in found:
                found[t.target] = [*found[state], t.target]
                queue.append(t.target)
    return found


# Inserting ------------------------------------------------------------------------------


async def _insert(conn: AsyncConnection, rows: Rows) -> None:
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    for table, columns in TABLES:
        if not rows[table]:
            continue
        if conn.dialect.name == "postgresql":
            await driver.copy_records_to_table(table, records=rows[table], columns=columns)
        else:
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" for _ in columns)
            await driver.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608 (constants)
                rows[table],
            )


def _batches(plans: Sequence[Plan]) -> Iterator[Sequence[Plan]]:
    for start in range(0, len(plans), BATCH):
        yield plans[start : start + BATCH]


@dataclasses.dataclass(frozen=True, slots=True)
class FillReport:
    cases: int
    seed: int
    seconds: float
    plan_seconds: float
    rows: dict[str, int]
    per_unit: dict[str, int]  # "tenant/unit" -> cases
    measured_unit_cases: int
    database_bytes: int | None


def _fast_loading(db: Database) -> None:
    """SQLite settings of the loading connections only (a large cache, no fsync)."""

    @event.listens_for(db.engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA cache_size=-1000000")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()


async def _add_staff(settings: Settings, config: TenantsConfig) -> None:
    keyring = Keyring.load(settings.resolved_keys_dir)
    db = Database(settings.resolved_database_url)
    pool = CryptoPool(2)
    try:
        async with db.writing() as session:
            for tenant in config.tenants:
                for unit in tenant.units:
                    for role in ("handler", "supervisor"):
                        username = f"{unit.slug}-{role}"
                        user = await create_user(
                            session,
                            pool,
                            NewUser(tenant.slug, username, role, STAFF_PASSWORD, unit.slug),
                            FAST_TEST_PARAMS,  # staff passwords are not what is measured
                            dt.date.today(),
                        )
                        enrol(
                            keyring.session_secret, user, staff_totp_secret(tenant.slug, username)
                        )
    finally:
        pool.close()
        await db.dispose()


async def fill(
    settings: Settings,
    cases: int = DEFAULT_CASES,
    *,
    seed: int = 1,
    workers: int | None = None,
    log: Callable[[str], None] = print,
) -> FillReport:
    """A new installation in `settings` (whose data dir must not hold one) with `cases` cases."""
    start = time.perf_counter()
    config = bench_tenants_config()
    await initialise(settings, config)
    await _add_staff(settings, config)
    db = Database(settings.resolved_database_url)
    if db.is_sqlite:
        _fast_loading(db)
    try:
        layout = await _layout(db)
        plans = plan_cases(layout, cases, seed, dt.date.today())
        plan_seconds = time.perf_counter() - start
        log(f"fill: planned {cases} cases in {plan_seconds:.0f} s")
        sqlite = db.is_sqlite
        engine = db.engine.execution_options(gratify_write=True)
        counts: collections.Counter[str] = collections.Counter()
        context = multiprocessing.get_context("spawn")
        processes = workers or len(os.sched_getaffinity(0))
        with context.Pool(
            processes,
            initializer=_init_worker,
            initargs=(settings.resolved_keys_dir, sqlite, layout, _paths()),
        ) as pool:
            done = 0
            for rows in pool.imap(seal_batch, _batches(plans)):
                async with engine.begin() as conn:
                    await _insert(conn, rows)
                for table, table_rows in rows.items():
                    counts[table] += len(table_rows)
                done += len(rows["cases"])
                if done % (BATCH * 20) == 0 or done == cases:
                    elapsed = time.perf_counter() - start
                    log(f"fill: {done} cases in {elapsed:.0f} s")
        async with engine.begin() as conn:
            await _insert_counters(conn, case_counters(plans))
        if sqlite:
            await db.dispose()
            path = db.engine.url.database
            assert path is not None
            with contextlib.closing(sqlite3.connect(path)) as plain:
                plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            async with db.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as c:
                await c.exec_driver_sql("VACUUM ANALYZE")
        size = await database_bytes(db)
    finally:
        await db.dispose()
    names = {u.id: f"{layout.tenants[u.tenant_id]}/{u.slug}" for u in layout.units}
    per_unit = collections.Counter(names[p.unit_id] for p in plans)
    report = FillReport(
        cases=cases,
        seed=seed,
        seconds=time.perf_counter() - start,
        plan_seconds=plan_seconds,
        rows=dict(counts),
        per_unit=dict(sorted(per_unit.items())),
        measured_unit_cases=per_unit[f"{MEASURED_TENANT}/{MEASURED_UNIT}"],
        database_bytes=size,
    )
    (settings.data_dir / MARKER).write_text(
        json.dumps({**dataclasses.asdict(report), "database_url": settings.database_url})
    )
    log(f"fill: done in {report.seconds:.0f} s, database {(size or 0) / 2**30:.2f} GiB")
    return report


async def _insert_counters(conn: AsyncConnection, rows: list[tuple[int, int, int]]) -> None:
    await conn.execute(text("DELETE FROM case_counters"))
    for tenant_id, year, last in rows:
        await conn.execute(
            text("INSERT INTO case_counters (tenant_id, year, last) VALUES (:t, :y, :l)"),
            {"t": tenant_id, "y": year, "l": last},
        )


async def database_bytes(db: Database) -> int | None:
    """The database's size on disk (SQLite file and WAL, or PostgreSQL's database size)."""
    async with db.engine.connect() as conn:
        if db.is_sqlite:
            path = conn.engine.url.database
            files = [Path(path), Path(f"{path}-wal")] if path else []
            return sum(p.stat().st_size for p in files if p.exists()) or None
        size = await conn.scalar(text("SELECT pg_database_size(current_database())"))
        return int(size) if size is not None else None


def filled(data_dir: Path) -> dict[str, Any] | None:
    """What `fill` recorded in `data_dir`, if a fill finished there."""
    try:
        recorded: dict[str, Any] = json.loads((data_dir / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return recorded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="fill an installation with sealed cases")
    parser.add_argument("--data-dir", type=Path, required=True, help="a new data dir")
    parser.add_argument("--database-url", default="", help="default: SQLite in the data dir")
    parser.add_argument("--cases", type=int, default=DEFAULT_CASES)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None, help="default: the CPU count")
    args = parser.parse_args(argv)
    settings = Settings(data_dir=args.data_dir, database_url=args.database_url)
    report = asyncio.run(fill(settings, args.cases, seed=args.seed, workers=args.workers))
    print(json.dumps(dataclasses.asdict(report), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
