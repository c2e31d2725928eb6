"""The database tables, as SQLAlchemy 2.0 typed ORM classes (no Qt).

The schema's history lives in `db/versions/` (Alembic). These classes describe the
newest schema; a test checks that upgrading an empty database to the newest
migration gives exactly these tables, columns and indexes.

Times are naive local (Beijing) times to the second; money is whole yuan in `int`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so migrations can refer to them on every backend.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Status codes kept in the database, and what the clerk sees.
ACCEPTED = "accepted"
PRINTED = "printed"
SUBMITTED = "submitted"
PAID = "paid"
RETURNED = "returned"
STATUS_LABELS: dict[str, str] = {
    ACCEPTED: "已受理",
    PRINTED: "已打印",
    SUBMITTED: "已报送",
    PAID: "已发放",
    RETURNED: "退回",
}
# The claim key is unique among applications in every status but this one.
WITHDRAWN_STATUS = RETURNED


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Member(Base):
    """A union member, one row per resident ID number; contact details are the latest given."""

    __tablename__ = "member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    card_number: Mapped[str | None] = mapped_column(String(19))
    phone: Mapped[str | None] = mapped_column(String(32))
    work_unit: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    applications: Mapped[list[Application]] = relationship(back_populates="member")


class Application(Base):
    """One application (申请) with its receipt number and the decision stored at saving time."""

    __tablename__ = "application"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt: Mapped[str] = mapped_column(String(32), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    # What was typed, and the two halves of the claim key derived from it.
    occupation: Mapped[str | None] = mapped_column(String(200))
    claim_item: Mapped[str] = mapped_column(String(200))
    claim_level: Mapped[str] = mapped_column(String(32))
    level: Mapped[int | None] = mapped_column(Integer)
    grade: Mapped[str | None] = mapped_column(String(32))
    # Certificate, including the Annex 2 fields 编号, 批准日期, 签发单位, 签发日期, 管理号.
    certificate_number: Mapped[str | None] = mapped_column(String(64))
    issued_on: Mapped[date | None] = mapped_column(Date)
    approved_on: Mapped[date | None] = mapped_column(Date)
    issuer: Mapped[str | None] = mapped_column(String(200))
    management_number: Mapped[str | None] = mapped_column(String(64))
    # Competition result.
    competition: Mapped[str | None] = mapped_column(String(200))
    stage: Mapped[str | None] = mapped_column(String(16))
    rank: Mapped[int | None] = mapped_column(Integer)
    entrants: Mapped[int | None] = mapped_column(Integer)
    final_held: Mapped[bool | None] = mapped_column(Boolean)
    # Member facts as given for this application.
    card_number: Mapped[str | None] = mapped_column(String(19))
    union_affiliated: Mapped[bool | None] = mapped_column(Boolean)
    full_time_union_social_worker: Mapped[bool | None] = mapped_column(Boolean)
    key_group: Mapped[bool | None] = mapped_column(Boolean)
    applied_on: Mapped[date] = mapped_column(Date)
    station_code: Mapped[str] = mapped_column(String(16))
    station_name: Mapped[str] = mapped_column(String(100))
    clerk: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    # The decision exactly as computed when saved: the outcome here (the ledger filters and
    # sums it), the findings and the policy's fingerprint in the shared `decision` row.
    eligible: Mapped[bool] = mapped_column(Boolean)
    amount: Mapped[int] = mapped_column(Integer)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"))
    # A searchable copy of the member's name: its characters separated by spaces.
    name_chars: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    member: Mapped[Member] = relationship(back_populates="applications")
    decision: Mapped[Decision] = relationship()
    history: Mapped[list[StatusChange]] = relationship(
        back_populates="application", order_by="StatusChange.id"
    )

    __table_args__ = (
        # Never paid twice: one live claim per person, scheme, kind, occupation/item, level/grade.
        Index(
            "uq_application_claim",
            "member_id",
            "scheme",
            "kind",
            "claim_item",
            "claim_level",
            unique=True,
            sqlite_where=text(f"status <> '{WITHDRAWN_STATUS}'"),
            postgresql_where=text(f"status <> '{WITHDRAWN_STATUS}'"),
        ),
        Index("ix_application_applied_on", "applied_on", "id"),
        Index("ix_application_scheme", "scheme", "id"),
        Index("ix_application_scheme_status", "scheme", "status", "id"),
        Index("ix_application_status", "status", "id"),
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def findings(self) -> list[Any]:
        """The decision's findings as computed when saved (list of dicts, in order)."""
        return self.decision.findings

    @property
    def policy_sha256(self) -> str:
        """SHA-256 of the policy file the decision was made with."""
        return self.decision.policy_sha256


def decision_digest(policy_sha256: str, findings: list[Any]) -> str:
    """The identity of a decision document: SHA-256 (hex) of the JSON text of
    [policy_sha256, findings], compact, non-ASCII kept, keys in their given order. Two
    documents share a digest only if they read back identical, key order included."""
    document = json.dumps(
        [policy_sha256, findings], ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


class Decision(Base):
    """One distinct decision document (the findings and the policy's fingerprint), stored
    once and shared by every application decided the same way: at a million applications
    a few hundred distinct documents exist (findings depend only on the claim, the policy
    and the checks that failed), each ~1.5 kB of JSON."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # decision_digest()
    policy_sha256: Mapped[str] = mapped_column(String(64))
    findings: Mapped[list[Any]] = mapped_column(JSON)


class StatusChange(Base):
    """One step of an application's status history: who moved it, when, and why."""

    __tablename__ = "status_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)

    application: Mapped[Application] = relationship(back_populates="history")


class AuditEvent(Base):
    """Append-only: each event carries the hash of the one before it (see storage/audit.py)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    station_code: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_ref: Mapped[str] = mapped_column(String(64), index=True)
    details: Mapped[str] = mapped_column(Text)  # canonical JSON, personal numbers masked
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The newest event's number and hash (one row). Catches a deleted last event, and its
    row lock orders concurrent writers on PostgreSQL."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class ReceiptCounter(Base):
    """The last sequence number issued per receipt prefix (station code + date)."""

    __tablename__ = "receipt_counter"

    prefix: Mapped[str] = mapped_column(String(32), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Setting(Base):
    """Station-wide settings: station name and code, district."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
