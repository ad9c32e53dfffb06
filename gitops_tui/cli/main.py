"""``gitops-tui``'s entry point: parse, dispatch, and map every failure to an exit status."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from gitops_tui.cli.commands import BY_NAME
from gitops_tui.cli.common import CliError
from gitops_tui.cli.parser import build_parser
from gitops_tui.config import ConfigError, load_config
from gitops_tui.runtime import settings
from gitops_tui.stores.base import StoreError

DEFAULT_COMMAND = "watch"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gitops-tui`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    command = BY_NAME[args.command or DEFAULT_COMMAND]
    try:
        config = load_config(getattr(args, "config", None))
        (settings.live if command.live else settings.batch)()
        return command.run(args, config)
    except ConfigError as exc:
        print(f"gitops-tui: config error: {exc}", file=sys.stderr)
        return 2
    except CliError as exc:
        print(f"gitops-tui: {exc}", file=sys.stderr)
        return exc.status
    except StoreError as exc:
        print(f"gitops-tui: store error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `gitops-tui get | head`
        return 0
