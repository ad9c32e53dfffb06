"""Command line: argument parsing and wiring only; the work happens in the core modules.

Exit statuses: 0 success, 1 a store or data problem, 2 a usage or configuration problem.
Errors are one line on stderr, never a traceback, never a secret.

Layout: :mod:`.parser` builds the argparse tree from :data:`.commands.SUMMARIES`, each
command a module under :mod:`.commands` (imported when its command is parsed or run);
:mod:`.main` dispatches and maps errors to exit statuses. Nothing here imports Textual
until ``watch`` or ``demo`` runs.
"""

from gitops_tui.cli.main import main
from gitops_tui.cli.parser import build_parser

__all__ = ["build_parser", "main"]
