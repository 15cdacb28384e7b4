"""Add up the pytest results of every log under a folder (unit tests and each
Molecule scenario's verify step) into one closing line."""

from __future__ import annotations

import re
import sys
from pathlib import Path

SUMMARY = re.compile(r"^=+ (?P<body>.*?(passed|failed|skipped|error).*?) in [0-9.]+s")


def main(folder: str) -> int:
    totals = {"passed": 0, "failed": 0, "skipped": 0, "error": 0}
    for log in sorted(Path(folder).glob("*.log")):
        found = False
        for line in log.read_text(errors="replace").splitlines():
            m = SUMMARY.match(line.strip())
            if not m:
                continue
            found = True
            for count, word in re.findall(r"(\d+) (passed|failed|skipped|errors?)", m.group("body")):
                totals["error" if word.startswith("error") else word] += int(count)
        if not found:  # a scenario that never reached its tests is a failure, not silence
            print(f"{log.name}: no test results (the run stopped before its tests)")
            totals["error"] += 1
    failed = totals["failed"] + totals["error"]
    print(f"total: {totals['passed']} passed, {failed} failed, {totals['skipped']} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".cache/test-logs"))
