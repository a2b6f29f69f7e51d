from __future__ import annotations

import io
import json

from ecsflow.cli.context import CliContext, OutputMode
from ecsflow.cli.output.view import View
from ecsflow.diff import Masker


def test_plain_table_aligns_and_masks() -> None:
    out = io.StringIO()
    view = View(CliContext(), out=out, masker=Masker(), interactive=False)
    view.table(["A", "LONGER"], [["x", ("DB_PASSWORD=s3cret", "red")], ["yyyy", "z"]], title="t")
    view.line("token: abc")
    view.document({"ignored": True})
    assert out.getvalue() == "t\nA     LONGER\nx     DB_PASSWORD=****\nyyyy  z\ntoken: ****\n"


def test_json_mode_writes_only_the_document_masked() -> None:
    out = io.StringIO()
    view = View(CliContext(output=OutputMode.JSON), out=out, masker=Masker())
    view.table(["A"], [["x"]])
    view.line("not shown")
    view.document({"env": "API_KEY=abc"}, compact=True)
    assert out.getvalue().count("\n") == 1
    assert json.loads(out.getvalue()) == {"env": "API_KEY=****"}
