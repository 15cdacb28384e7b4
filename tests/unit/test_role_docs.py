"""plugin_utils/role_docs.py: README variable tables generated from the argument specs."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.tapbot.platform.plugins.plugin_utils import role_docs

PROJECT = Path(__file__).resolve().parents[2]


def test_every_role_readme_is_current():
    assert role_docs.main(["--check"]) == 0


def test_the_table_lists_every_option_with_type_default_and_meaning():
    text = role_docs.table(PROJECT / "roles" / "docker")
    assert text.startswith(role_docs.BEGIN) and text.endswith(role_docs.END)
    assert "| `docker_source` | str: docker, debian | `\"docker\"` | Docker's apt repository" in text
    assert "| `docker_default_address_pools` | list of dict |" in text


def test_a_stale_table_is_replaced_and_one_without_markers_refused():
    stale = f"# x\n\n## Variables\n\n{role_docs.BEGIN}\n| old |\n{role_docs.END}\n\n## Example\n"
    new = role_docs.render(stale, "NEW", "x")
    assert new == "# x\n\n## Variables\n\nNEW\n\n## Example\n"
    with pytest.raises(SystemExit, match="markers missing"):
        role_docs.render("# no table\n", "NEW", "x")
