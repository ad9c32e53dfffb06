"""The drill-down's outlook: ETA per remaining hop and why the deployment is stuck."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Group, RenderableType
from rich.text import Text

from gitops_tui.domain.textsafe import clean
from gitops_tui.insights.eta import Eta
from gitops_tui.insights.figures import short_duration
from gitops_tui.insights.hops import hop_words


def _scope(scope: tuple[str | None, str | None]) -> str:
    service, ring = scope
    if service is None:
        return "all services"
    return clean(service, 40) + (f" → {clean(ring, 20)}" if ring else " (all rings)")


def render_outlook(eta: Eta | None, stuck: list[str], now: datetime) -> RenderableType | None:
    """None for a finished deployment that is not stuck."""
    if eta is None and not stuck:
        return None
    parts: list[RenderableType] = []
    for reason in stuck:
        parts.append(Text(f"STUCK: {clean(reason, 200)}", style="bold"))
    if eta is not None:
        at = eta.at(now)
        head = Text("ETA ", style="bold")
        if at is None:
            head.append("unknown (too little history for a hop)")
        elif not eta.seconds:
            head.append(f"overdue: every remaining hop past its median (on {eta.samples} samples)")
        else:
            head.append(f"~{short_duration(eta.seconds)}, live at {at.astimezone(UTC).strftime('%H:%M')}Z "
                        f"(on {eta.samples} samples)")
        parts.append(head)
        for hop in eta.hops:
            running = "" if hop.running_s is None else f", running {short_duration(hop.running_s)}"
            if hop.seconds is None:
                left = "unknown"
            elif hop.seconds == 0 and hop.running_s:
                left = "overdue (past its median)"
            else:
                left = f"~{short_duration(hop.seconds)} left"
            parts.append(Text(f"  {clean(hop_words(hop.hop), 60)}: {left}{running} "
                              f"({hop.samples} runs of {_scope(hop.scope)})"))
    return Group(*parts)
