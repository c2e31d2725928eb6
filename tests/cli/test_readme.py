"""The README's `quote` example is real: running it gives exactly the output shown."""

from __future__ import annotations

import json
import re

from desktop_app.services.quote import quote_mapping
from tests.conftest import ROOT


def test_readme_quote_example_matches_the_program(policies):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(
        r"\$ cat application\.json\n(.*?)\n\$ union-counter quote application\.json\n(.*?)\n```",
        readme,
        re.S,
    )
    assert match, "README lost its quote example"
    given, shown = json.loads(match.group(1)), json.loads(match.group(2))
    assert quote_mapping(given, policies).to_dict() == shown
