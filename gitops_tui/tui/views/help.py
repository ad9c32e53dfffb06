"""``?``: every key binding (from the registry in ``tui/bindings.py``, with the keys the
keymap gave them), the filter language and the sort and ring rules. ``esc``, ``?`` or
``q`` closes it."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from gitops_tui.tui.bindings import bindings_for


@dataclass(frozen=True, slots=True)
class HelpRow:
    where: str  # Everywhere | Deployments table | Filter line | …
    keys: str  # as shown, e.g. "/" or "↑ k"
    description: str
    binding_id: str


FILTER_HELP = """\
Filter language (/, and get --filter): terms separated by spaces, all must hold.
  frontend            text anywhere (id, service, ring, author, commit, image, PR, title…)
  service:front       the field contains it: service: ring: author: status: (also id:
                      commit: image: pr: hld: manifest: merged_by: cluster: partition:)
  author:="ada lee"   the whole field, exactly; quotes keep words together
  image:v1*-rc        * and ? wildcards;  ring:-  no ring;  !status:succeeded  negates
  status words: succeeded in_progress (running) waiting (pending) failed canceled unknown
In the filter line: → accepts the suggested completion, enter keeps the filter, esc clears it.
s / r / a pick a service / ring / author from the values in the data (sets field:=value).

Sort: o cycles the sort column over the columns on screen, O reverses; the default is
Last Updated, newest first. The column sorted on is marked ▼ (descending) or ▲.

Views (: then a name, with completion): deployments, rings, clusters, insights; help, quit.
enter on a deployment opens its journey; esc goes back (or clears the filter).
space pauses the display: polling goes on, updates are held and applied on resume.

Rings view: each cell shows the image the ring runs (its newest succeeded deployment).
A ring is marked "behind X" when it runs an older image (by build time) than its
upstream ring X, the nearest lower ring in the order dev < test/qa < master/main/staging
< canary < prod. Rings outside that order (feature rings) have no upstream.
Every key can be remapped in the config file: keymap: {binding id: key}.
"""


class HelpScreen(ModalScreen[None]):
    """The help screen; its rows come from :mod:`gitops_tui.tui.bindings` via the app."""

    BINDINGS = bindings_for("help")

    DEFAULT_CSS = """
    HelpScreen { align: center middle; background: $background 50%; }
    HelpScreen > VerticalScroll {
        width: 100; max-width: 100%; height: 90%; border: round $accent;
        background: $surface; padding: 0 1;
    }
    """

    def __init__(self, rows: list[HelpRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", expand=True)
        table.add_column("Key", no_wrap=True, style="bold", min_width=8)
        table.add_column("Does", ratio=1)
        table.add_column("id (keymap)", style="dim", no_wrap=True)
        last = None
        for row in self.rows:
            if row.where != last:
                table.add_row(Text(row.where, style="bold underline"), Text(""), Text(""),
                              end_section=False)
                last = row.where
            table.add_row(Text(row.keys), Text(row.description), Text(row.binding_id))
        with VerticalScroll(id="help-body"):
            yield Static(Group(Text("gitops-tui keys", style="bold"), table, Text(""), Text(FILTER_HELP)))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, where: str) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        getattr(body, f"scroll_{where}")(animate=False)
