"""Output of the read-side verbs (status, diff, revisions, history, deregister).

One ``View`` per command: tables and lines for people (rich on a terminal, aligned plain
text otherwise), or one JSON document with ``--output json``. Every string passes the
``Masker`` on the way out.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from ecsflow.cli.context import CliContext
from ecsflow.diff import Masker

Cell = str | tuple[str, str]  # text, or (text, rich style)


class View:
    def __init__(
        self,
        cli_ctx: CliContext,
        *,
        out: TextIO | None = None,
        masker: Masker | None = None,
        mask_pattern: str | None = None,
        interactive: bool | None = None,
    ) -> None:
        self.out = out or sys.stdout
        self.json = cli_ctx.json_output
        self.rich = cli_ctx.interactive if interactive is None else interactive
        self.masker = masker or Masker.from_env(os.environ, mask_pattern)
        self._console: Any = None

    @property
    def console(self) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(file=self.out, highlight=False)
        return self._console

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Cell]], *, title: str | None = None) -> None:
        if self.json:
            return
        if self.rich:
            from rich.table import Table
            from rich.text import Text

            table = Table(title=title, title_justify="left", header_style="bold")
            for header in headers:
                table.add_column(header)
            for row in rows:
                table.add_row(*(Text(self._text(c), style=c[1] if isinstance(c, tuple) else "") for c in row))
            self.console.print(table)
            return
        cells = [list(headers), *([self._text(c) for c in row] for row in rows)]
        widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
        text = f"{title}\n" if title else ""
        for row in cells:
            text += "  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip() + "\n"
        self.out.write(text)

    def line(self, text: str = "", style: str | None = None) -> None:
        if self.json:
            return
        if self.rich:
            from rich.text import Text

            self.console.print(Text(self.masker.scrub(text), style=style or ""))
            return
        self.out.write(self.masker.scrub(text) + "\n")

    def document(self, obj: Mapping[str, Any], *, compact: bool = False) -> None:
        """The one JSON document of ``--output json`` (ignored in text mode); ``compact``: one line,
        for output that is JSON lines (the demo's events come before it)."""
        if self.json:
            indent = None if compact else 2
            self.out.write(json.dumps(self.masker.scrub_obj(obj), default=str, indent=indent) + "\n")
        self.out.flush()

    def _text(self, cell: Cell) -> str:
        return self.masker.scrub(cell[0] if isinstance(cell, tuple) else cell)
