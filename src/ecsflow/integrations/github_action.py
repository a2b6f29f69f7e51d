"""Outputs of the GitHub Action (``action.yml``) from ``ecsflow --output json deploy``'s result.

``python -m ecsflow.integrations.github_action RESULT.jsonl`` reads the JSON lines a deploy
printed, takes its final result object (the only line without an ``event`` key, see
docs/output.md) and prints ``name=value`` lines for ``$GITHUB_OUTPUT``:

* ``outcome``: the outcome of the one service deployed; with several, ``succeeded`` when
  all succeeded, else the first other outcome (``rolled_back``, ``failed``, …); ``error``
  when the command stopped before any result (bad input, AWS access);
* ``task-definition-arn``, ``deployment-id``: those of the first service (one per line
  of ``services`` in the ``result`` output for several);
* ``exit-code``: the deploy's exit code; ``result``: the result object as compact JSON.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


def final_result(lines: Iterable[str]) -> dict[str, Any] | None:
    """The last ``{"result": …}`` object of a JSON-lines output, or None."""
    found: dict[str, Any] | None = None
    for raw in lines:
        line = raw.strip()
        if not line.startswith("{"):
            continue
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if isinstance(doc, Mapping) and "event" not in doc and isinstance(doc.get("result"), Mapping):
            found = dict(doc["result"])
    return found


def action_outputs(result: Mapping[str, Any] | None) -> dict[str, str]:
    if result is None:
        return {"outcome": "error", "task-definition-arn": "", "deployment-id": "", "exit-code": "", "result": "{}"}
    services = [s for s in result.get("services") or () if isinstance(s, Mapping)]
    outcomes = [str(s.get("outcome") or "") for s in services]
    if len(outcomes) == 1:
        outcome = outcomes[0]
    else:
        outcome = next((o for o in outcomes if o not in ("succeeded", "not_started")), "succeeded")
    first = services[0] if services else {}
    return {
        "outcome": outcome,
        "task-definition-arn": str(first.get("task_definition_arn") or ""),
        "deployment-id": str(first.get("deployment_id") or ""),
        "exit-code": str(result.get("exit_code", "")),
        "result": json.dumps(result, separators=(",", ":"), default=str),
    }


def format_outputs(outputs: Mapping[str, str]) -> str:
    # One line each: the values are ARNs, ids and compact JSON (json.dumps escapes newlines).
    return "".join(f"{k}={v.replace(chr(10), ' ')}\n" for k, v in outputs.items())


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m ecsflow.integrations.github_action RESULT.jsonl", file=sys.stderr)
        return 2
    path = Path(args[0])
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    sys.stdout.write(format_outputs(action_outputs(final_result(lines))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
