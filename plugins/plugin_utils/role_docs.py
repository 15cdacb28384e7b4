"""Role README variable tables, generated from each role's meta/argument_specs.yml.

    python plugins/plugin_utils/role_docs.py          # rewrite the tables (make docs)
    python plugins/plugin_utils/role_docs.py --check  # fail when a README is stale (make lint)

The table sits between two markers in roles/<role>/README.md and lists every
option of the role's main entry point: name, type, default, description. The
spec is the one source (a unit test holds it equal to defaults/main.yml).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

BEGIN = "<!-- BEGIN variables: generated from meta/argument_specs.yml by `make docs`; do not edit -->"
END = "<!-- END variables -->"
LONG = 48  # a default longer than this is shown as "see defaults/main.yml"


def _type(spec: dict) -> str:
    kind = spec.get("type", "str")
    if kind == "list" and spec.get("elements"):
        kind = f"list of {spec['elements']}"
    if spec.get("choices"):
        kind += ": " + ", ".join(str(c) for c in spec["choices"])
    return kind


def _default(spec: dict) -> str:
    if spec.get("required"):
        return "required"
    if "default" not in spec:
        return ""
    text = json.dumps(spec["default"], ensure_ascii=False)
    if len(text) > LONG:
        return "see defaults/main.yml"
    return "`" + text.replace("|", "\\|") + "`"


def _description(spec: dict) -> str:
    text = spec.get("description", "")
    if isinstance(text, list):
        text = " ".join(text)
    return " ".join(str(text).split()).replace("|", "\\|")


def table(role_dir: Path) -> str:
    specs = yaml.safe_load((role_dir / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]
    rows = ["| variable | type | default | meaning |", "|---|---|---|---|"]
    for name, spec in specs.get("options", {}).items():
        rows.append(f"| `{name}` | {_type(spec)} | {_default(spec)} | {_description(spec)} |")
    return "\n".join([BEGIN, *rows, END])


def render(readme: str, generated: str, role: str) -> str:
    if BEGIN not in readme or END not in readme:
        raise SystemExit(f"roles/{role}/README.md has no generated variables table (markers missing)")
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + generated + tail


def main(argv: list[str]) -> int:
    project = Path(__file__).resolve().parents[2]
    check = "--check" in argv
    stale = []
    for role_dir in sorted(p for p in (project / "roles").iterdir() if (p / "meta" / "argument_specs.yml").exists()):
        readme = role_dir / "README.md"
        old = readme.read_text()
        new = render(old, table(role_dir), role_dir.name)
        if new != old:
            stale.append(str(readme.relative_to(project)))
            if not check:
                readme.write_text(new)
    if check and stale:
        print("stale variable tables (run `make docs`): " + ", ".join(stale), file=sys.stderr)
        return 1
    print(("rewrote: " + ", ".join(stale)) if stale and not check else "role READMEs' variable tables are current")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
