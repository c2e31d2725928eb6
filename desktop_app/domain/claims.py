"""The claim key: what "the same claim" means for the never-paid-twice rule.

POLICY.md: one person (resident ID number) is paid at most once for the same scheme,
certificate kind, occupation (or item) and level. The key is computed from the facts
and the decision, so an ineligible application has one too: it blocks a second
application for the same claim until it is returned (退回).
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.domain.engine import Decision
from desktop_app.domain.facts import Application
from desktop_app.domain.text import normalize_name


@dataclass(frozen=True)
class ClaimKey:
    scheme: str
    kind: str
    item: str  # occupation code, or the normalized occupation / item name
    level: str  # "3" for a level, the grade for a social worker, "L2" for a competition rate

    def describe(self) -> str:
        return f"{self.scheme}/{self.kind}/{self.item or '—'}/{self.level or '—'}"


def claim_key(application: Application, decision: Decision) -> ClaimKey:
    cert = application.certificate
    entry = decision.entry
    if cert.kind == "competition":
        # The decision's entry is the competition; the claim is per occupation competed in.
        item = normalize_name(cert.occupation or "")
    elif entry is not None:
        item = entry.code or normalize_name(entry.name)
    else:
        item = normalize_name(cert.occupation or "")
    if cert.kind in ("skill_level", "qualification"):
        level = str(cert.level) if cert.level is not None else ""
    elif cert.kind == "social_worker":
        level = cert.grade or ""
    elif cert.kind == "competition":
        rate = decision.rate
        if rate is not None and rate.level is not None:
            level = f"L{rate.level}"
        else:
            level = f"{cert.stage or ''}:{cert.rank if cert.rank is not None else ''}"
    else:
        level = ""
    return ClaimKey(application.scheme, cert.kind, item, level)
