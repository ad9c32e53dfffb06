"""Every key binding, declared once: id, default keys, action, text and view.

The ``BINDINGS`` of the app, the filter line, the pickers and the help screen are
generated from :data:`REGISTRY` (:func:`bindings_for`); the help screen lists it and the
footer shows its ``show`` entries. The ids are public: ``keymap:`` in the config maps
an id to keys (comma-separated), and :func:`check_keymap` rejects a keymap that names
an unknown id, has an empty key, or binds one key to two ids of one view.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from textual.binding import Binding
from textual.keys import _character_to_key  # the normalisation Textual gives BINDINGS

from gitops_tui.config import ConfigError

# view -> heading in the help screen, in the order help lists them.
VIEWS: dict[str, str] = {
    "global": "Everywhere",
    "deployments": "Deployments table",
    "detail": "Journey (enter)",
    "rings": "Rings view",
    "clusters": "Clusters view",
    "insights": "Insights view",
    "filter": "Filter line",
    "picker": "Pickers (s r a m :)",
    "help": "Help",
}
# The views "global" bindings apply in. The filter line, the pickers and help take keys
# before the global bindings do and shadow them by design (esc closes help, it does not
# go back), so their own keys are only checked against each other.
MAIN_VIEWS = frozenset({"deployments", "detail", "rings", "clusters", "insights"})
# Textual's own App bindings (no id, cannot be remapped): a keymap may not take them.
TEXTUAL_KEYS = {"ctrl+q": "Textual's own quit", "ctrl+c": "Textual's quit hint"}


@dataclass(frozen=True, slots=True)
class KeySpec:
    """One binding: ``keys`` are the defaults (Textual key names, comma-separated)."""

    id: str
    keys: str
    action: str
    description: str
    view: str
    tooltip: str = ""
    show: bool = True
    # Priority bindings run as the app reads the key, before it hands the next keys on,
    # so text typed right after them (a paste, a burst over a slow ssh link) lands in
    # the prompt they open. A focused text input still gets them as text.
    priority: bool = False


def _spec(id: str, keys: str, action: str, description: str, view: str, tooltip: str = "",
          *, show: bool = True, priority: bool = False) -> KeySpec:
    return KeySpec(id, keys, action, description, view, tooltip, show, priority)


REGISTRY: tuple[KeySpec, ...] = (
    _spec("quit", "q", "quit", "Quit", "global", "Quit (closes help or a picker first)", priority=True),
    _spec("help", "question_mark", "help", "Help", "global", "This help", priority=True),
    _spec("filter", "slash", "filter", "Filter", "global",
          "Filter line: type to filter live (query language below)", priority=True),
    _spec("command", "colon", "command", "Jump", "global",
          "Jump to a view: deployments, rings, clusters, insights (with completion)", priority=True),
    _spec("pick_service", "s", "pick('service')", "Service", "global",
          "Pick a service from the data (sets the service: term)", show=False, priority=True),
    _spec("pick_ring", "r", "pick('ring')", "Ring", "global",
          "Pick a ring from the data (sets the ring: term)", show=False, priority=True),
    _spec("pick_author", "a", "pick('author')", "Author", "global",
          "Pick an author from the data (sets the author: term)", show=False, priority=True),
    _spec("pick_merger", "m", "pick('merged_by')", "Merger", "global",
          "Pick who merged the approval PR, from the data (sets the merged_by: term)", show=False, priority=True),
    _spec("poll_now", "ctrl+r", "poll_now", "Poll now", "global",
          "Poll the store now (also cuts a backoff wait short)", show=False),
    _spec("pause", "space", "pause", "Pause", "global",
          "Pause / resume the display (polling goes on; updates are held)"),
    _spec("back", "escape", "back", "Back", "global",
          "Up one level (journey -> its list -> deployments), else clear the filter", show=False),
    _spec("cursor_up", "up,k", "cursor_up", "Up", "deployments", show=False),
    _spec("cursor_down", "down,j", "cursor_down", "Down", "deployments", show=False),
    _spec("page_up", "pageup,ctrl+b", "page_up", "Page up", "deployments", show=False),
    _spec("page_down", "pagedown,ctrl+f", "page_down", "Page down", "deployments", show=False),
    _spec("first", "home,g", "first", "First row", "deployments",
          "First row (also: to the rows arrived above, ↑ N new)", show=False),
    _spec("last", "end,G", "last", "Last row", "deployments", show=False),
    _spec("scroll_left", "h,left", "scroll_left", "Columns left", "deployments",
          "Scroll the columns left (the header's right end says what is hidden)", show=False),
    _spec("scroll_right", "l,right", "scroll_right", "Columns right", "deployments",
          "Scroll the columns right, to the columns that do not fit", show=False),
    _spec("wide", "w", "toggle_wide", "Wide", "deployments",
          "Wide: every column at full width in screen order (h/l scroll), w again: back"),
    _spec("follow", "f", "follow", "Follow", "deployments",
          "Follow mode: the cursor stays on the newest row as rows arrive (f again stops)", show=False),
    _spec("open", "enter", "open", "Details", "deployments", "Drill down: the deployment's whole journey"),
    _spec("sort_next", "o", "sort_next", "Sort", "deployments",
          "Sort by the next column on screen, left to right (default: Last Updated ▼)"),
    _spec("sort_reverse", "O", "sort_reverse", "Reverse sort", "deployments", "Reverse the sort order",
          show=False),
    _spec("rings_up", "up,k", "move(-1, 0)", "Up", "rings", show=False),
    _spec("rings_down", "down,j", "move(1, 0)", "Down", "rings", show=False),
    _spec("rings_left", "left,h", "move(0, -1)", "Left", "rings", show=False),
    _spec("rings_right", "right,l", "move(0, 1)", "Right", "rings", show=False),
    _spec("rings_open", "enter", "open", "Journey", "rings",
          "The journey of the deployment the cell shows (what the ring runs, else its latest)"),
    _spec("clusters_up", "up,k", "move(-1)", "Up", "clusters", show=False),
    _spec("clusters_down", "down,j", "move(1)", "Down", "clusters", show=False),
    _spec("clusters_page_up", "pageup", "move(-10)", "Page up", "clusters", show=False),
    _spec("clusters_page_down", "pagedown", "move(10)", "Page down", "clusters", show=False),
    _spec("clusters_open", "enter", "open", "Open", "clusters",
          "On a cluster: its synced and pending deployments; on a deployment: its journey"),
    _spec("insights_up", "up,k", "move(-1)", "Up", "insights", "The service × ring above (its lead-time chart)"),
    _spec("insights_down", "down,j", "move(1)", "Down", "insights", "The service × ring below"),
    _spec("filter_clear", "escape", "clear_filter", "Clear filter", "filter", show=False),
    _spec("picker_cancel", "escape", "cancel", "Cancel", "picker"),
    _spec("picker_next", "down", "move(1)", "Next", "picker", show=False),
    _spec("picker_previous", "up", "move(-1)", "Previous", "picker", show=False),
    # priority: tab would otherwise move the focus out of the picker's input.
    _spec("picker_complete", "tab", "complete", "Complete", "picker", show=False, priority=True),
    _spec("help_close", "escape,question_mark,q", "close", "Close help", "help"),
    _spec("help_up", "up,k", "scroll('up')", "Up", "help", show=False),
    _spec("help_down", "down,j", "scroll('down')", "Down", "help", show=False),
    _spec("help_page_up", "pageup", "scroll('page_up')", "Page up", "help", show=False),
    _spec("help_page_down", "pagedown,space", "scroll('page_down')", "Page down", "help", show=False),
)
BY_ID: dict[str, KeySpec] = {spec.id: spec for spec in REGISTRY}
assert len(BY_ID) == len(REGISTRY) and all(s.view in VIEWS for s in REGISTRY)


def bindings_for(view: str) -> list[Binding]:
    """The Textual ``BINDINGS`` of ``view``, with their default keys (Textual applies
    the keymap on top, by id)."""
    if view not in VIEWS:
        raise KeyError(view)
    return [
        Binding(s.keys, s.action, s.description, show=s.show, id=s.id, priority=s.priority,
                tooltip=s.tooltip)
        for s in REGISTRY
        if s.view == view
    ]


def in_help_order() -> Iterator[tuple[str, KeySpec]]:
    """``(heading, spec)`` for every binding, grouped by view as the help lists them."""
    for view, heading in VIEWS.items():
        for spec in REGISTRY:
            if spec.view == view:
                yield heading, spec


def normalise_key(key: str) -> str:
    """A key as Textual names it: ``?`` -> ``question_mark``, ``/`` -> ``slash``."""
    key = key.strip()
    return _character_to_key(key) if len(key) == 1 else key


def _split(keys: str) -> list[str]:
    return [k.strip() for k in keys.split(",")]


def _views(view: str) -> frozenset[str]:
    return MAIN_VIEWS | {view} if view == "global" else frozenset({view})


def check_keymap(keymap: Mapping[str, str], where: str = "config") -> None:
    """Raise :class:`ConfigError` (``"<where>: keymap.<id>: <problem>"``, one line) if
    ``keymap`` (binding id -> comma-separated keys) names an unknown id, has an empty
    key, or leaves one key bound to two ids that share a view."""

    def fail(binding_id: str, problem: str) -> ConfigError:
        return ConfigError(f"{where}: keymap.{binding_id}: {problem}")

    for binding_id, keys in keymap.items():
        if binding_id not in BY_ID:
            close = difflib.get_close_matches(binding_id, BY_ID, n=1)
            hint = f"did you mean {close[0]}?" if close else "see the id column of the help screen, ?"
            raise fail(binding_id, f"unknown binding id ({hint})")
        if not isinstance(keys, str) or any(not k for k in _split(keys)):
            raise fail(binding_id, f"empty key in {keys!r} (keys are comma-separated, e.g. f,F)")
    bound = {
        spec.id: {normalise_key(k) for k in _split(keymap.get(spec.id) or spec.keys)} for spec in REGISTRY
    }
    for binding_id, keys in keymap.items():
        views = _views(BY_ID[binding_id].view)
        for typed in _split(keys):
            key = normalise_key(typed)
            if key in TEXTUAL_KEYS:
                raise fail(binding_id, f"key {typed!r} is already bound to {TEXTUAL_KEYS[key]}")
            for other in REGISTRY:
                if other.id != binding_id and key in bound[other.id] and views & _views(other.view):
                    raise fail(binding_id, f"key {typed!r} is already bound to {other.id}")
