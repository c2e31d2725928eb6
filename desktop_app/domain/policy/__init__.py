"""Subsidy schemes as data: loading and checking the policy files.

One TOML file per scheme in `resources/policies/`. The engine (`engine.py`) knows a
fixed vocabulary of methods and conditions (`vocabulary.py`); a file chooses among them and
supplies the lists, dates and amounts, each with its source (`model.py`). A new year's plan
is a new file. `loader.py` reads and checks one file; `versions.py` keeps a folder's schemes
and their versions.
"""

from __future__ import annotations

from desktop_app.domain.policy.loader import FORMAT_VERSION, load_policy, parse_policy
from desktop_app.domain.policy.model import (
    Catalogue,
    Condition,
    Document,
    Entry,
    Group,
    KindRule,
    Policy,
    PolicyError,
    Rate,
    Reference,
    Source,
)
from desktop_app.domain.policy.versions import SUPERSEDED, PolicySet, load_directory
from desktop_app.domain.policy.vocabulary import (
    CONDITION_RULES,
    GRADE_LABELS,
    KINDS,
    LEVEL_LABELS,
    METHOD_SOURCES,
    METHODS,
    STAGE_LABELS,
)

__all__ = [
    "CONDITION_RULES",
    "FORMAT_VERSION",
    "GRADE_LABELS",
    "KINDS",
    "LEVEL_LABELS",
    "METHODS",
    "METHOD_SOURCES",
    "STAGE_LABELS",
    "SUPERSEDED",
    "Catalogue",
    "Condition",
    "Document",
    "Entry",
    "Group",
    "KindRule",
    "Policy",
    "PolicyError",
    "PolicySet",
    "Rate",
    "Reference",
    "Source",
    "load_directory",
    "load_policy",
    "parse_policy",
]
