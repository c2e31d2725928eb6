"""An application's status: the words, what the clerk reads, and which change may follow which.

The one home of the status vocabulary (../shared/DESIGN.md, "Where each rule lives"): storage
stores these codes (as small numbers, `storage/types.CODES`), services enforce the changes,
the window and the command line ask and show. Plain Python, no I/O.

    已受理 → 已打印 → 已报送 → 已发放, and 退回 (with a reason) from any status before 已发放.

A change made by mistake can be undone by the clerk who made it, in the same session, as a new
recorded step back (an audited reversal); a change to 已发放 cannot: money has left, and only a
later correction entry may follow it.
"""

from __future__ import annotations

from collections.abc import Mapping

from desktop_app.domain.facts import InputError

ACCEPTED = "accepted"
PRINTED = "printed"
SUBMITTED = "submitted"
PAID = "paid"
RETURNED = "returned"

LABELS: Mapping[str, str] = {
    ACCEPTED: "已受理",
    PRINTED: "已打印",
    SUBMITTED: "已报送",
    PAID: "已发放",
    RETURNED: "退回",
}

# The statuses an application in each status may be changed to, in the order they are offered.
NEXT: Mapping[str, tuple[str, ...]] = {
    ACCEPTED: (PRINTED, SUBMITTED, RETURNED),
    PRINTED: (SUBMITTED, RETURNED),
    SUBMITTED: (PAID, RETURNED),
    PAID: (),
    RETURNED: (),
}

# A change to one of these needs a reason (what the member is told).
NEEDS_REASON = frozenset({RETURNED})
# A change to one of these is confirmed twice: money is paid, or the claim is given up.
CONFIRM_TWICE = frozenset({PAID, RETURNED})
# A change to one of these is never undone.
NOT_UNDOABLE = frozenset({PAID})
# The claim is held by an application in every status but this one (never paid twice).
WITHDRAWN = RETURNED


def label(code: str) -> str:
    """What the clerk reads for a status code (an unknown code is shown as it is)."""
    return LABELS.get(code, code)


def parse(text: str) -> str:
    """A status typed as its code (``printed``) or its label (``已打印``)."""
    value = text.strip()
    if value in LABELS:
        return value
    for code, word in LABELS.items():
        if value == word:
            return code
    choices = "、".join(f"{word}（{code}）" for code, word in LABELS.items())
    raise InputError("status", f"“{text}”不是有效的状态，可选：{choices}")


def allowed(current: str) -> tuple[str, ...]:
    """The statuses an application in `current` may be changed to."""
    return NEXT.get(current, ())


def is_final(current: str) -> bool:
    return not allowed(current)


def change_refusal(receipt: str, current: str, target: str) -> str | None:
    """Why `current` → `target` is not allowed (a Chinese sentence), or None when it is."""
    choices = allowed(current)
    if target in choices:
        return None
    rest = "、".join(label(s) for s in choices)
    return f"申请 {receipt} 目前是“{label(current)}”，不能改为“{label(target)}”" + (
        f"（只能改为：{rest}）。" if rest else "（已是最终状态）。"
    )


# --- 报送批次 (submission batches, services/submissions.py) ------------------------------------
# A batch takes applications whose forms are printed (and stamped: the paper goes with the list)
# and moves each to 已报送. Withdrawn as a whole before any result came back, each goes back to
# 已打印: the one step back from 已报送 there is, and only through its batch's withdrawal.
BATCHABLE = PRINTED
WITHDRAWN_TO = PRINTED


def batch_refusal(receipt: str, current: str) -> str | None:
    """Why an application in `current` cannot join a submission batch, or None."""
    if current == BATCHABLE:
        return None
    return (
        f"申请 {receipt} 目前是“{label(current)}”：报送批次只收“{label(BATCHABLE)}”"
        "（申请表已打印盖章）的申请。"
    )


def withdrawal_refusal(receipt: str, current: str) -> str | None:
    """Why a batch holding an application in `current` cannot be withdrawn, or None."""
    if current == SUBMITTED:
        return None
    return (
        f"申请 {receipt} 已是“{label(current)}”：批次只能在其中每份申请都还是"
        f"“{label(SUBMITTED)}”（协会的结果未回）时整批撤回。"
    )


def undo_refusal(target: str) -> str | None:
    """Why a change to `target` cannot be undone, or None when it can."""
    if target in NOT_UNDOABLE:
        return f"改为“{label(target)}”的更改不能撤销；如有错误，只能以后补记更正。"
    return None
