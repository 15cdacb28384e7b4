"""Callback tapbot.platform.bench: what a run cost, task by task, as JSON.

Enabled only by `make bench` (ANSIBLE_CALLBACKS_ENABLED=tapbot.platform.bench,
TAPBOT_BENCH_OUT=<file>): for every task its wall time (from its start to the
last host's result), how many hosts ran it and how many changed, and the run's
totals. The ordinary output is untouched.
"""

from __future__ import annotations

DOCUMENTATION = """
name: bench
type: aggregate
short_description: Task timings and change counts of a run, written as JSON
description:
  - Records each task's wall time, host count and changed count, and writes them with the run's totals to a file.
options:
  output:
    description: Where the JSON goes.
    env:
      - name: TAPBOT_BENCH_OUT
    default: bench.json
    type: path
"""

import json
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "tapbot.platform.bench"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.started = time.monotonic()
        self.tasks: list[dict] = []
        self.current: dict | None = None

    def _close(self) -> None:
        if self.current is not None:
            self.current["seconds"] = round(time.monotonic() - self.current.pop("_start"), 3)
            self.tasks.append(self.current)
            self.current = None

    def _start(self, task, kind: str) -> None:
        self._close()
        self.current = {"task": task.get_name(), "kind": kind, "hosts": 0, "changed": 0, "skipped": 0,
                        "_start": time.monotonic()}

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start(task, "task")

    def v2_playbook_on_handler_task_start(self, task):
        self._start(task, "handler")

    def _count(self, result, skipped: bool = False) -> None:
        if self.current is None:
            return
        self.current["hosts"] += 1
        if skipped:
            self.current["skipped"] += 1
        elif result._result.get("changed"):
            self.current["changed"] += 1

    def v2_runner_on_ok(self, result):
        self._count(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._count(result)

    def v2_runner_on_skipped(self, result):
        self._count(result, skipped=True)

    def v2_runner_on_unreachable(self, result):
        self._count(result)

    def v2_playbook_on_stats(self, stats):
        self._close()
        self.set_options()
        hosts = sorted(stats.processed)
        run = {
            "seconds": round(time.monotonic() - self.started, 1),
            "tasks": len(self.tasks),
            "tasks_run": sum(1 for t in self.tasks if t["hosts"] > t["skipped"]),
            "changed": {h: stats.summarize(h)["changed"] for h in hosts},
            "ok": {h: stats.summarize(h)["ok"] for h in hosts},
            "failed": {h: stats.summarize(h)["failures"] + stats.summarize(h)["unreachable"] for h in hosts},
            "slowest": sorted(self.tasks, key=lambda t: t["seconds"], reverse=True)[:10],
            "task_list": self.tasks,
        }
        with open(self.get_option("output"), "w", encoding="utf-8") as f:
            json.dump(run, f, indent=1)
