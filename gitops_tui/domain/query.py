"""Filtering deployments: one small language shared by ``get`` and the TUI's ``/`` filter.

``frontend !status:succeeded ring:dev`` — terms separated by spaces, all must hold (AND).
A bare term matches text anywhere in the deployment (case-insensitive substring); a
``field:value`` term compares one field (case-insensitive, ``*`` and ``?`` as
wildcards); ``!`` in front negates either kind. Quote a term to keep spaces in it.
"""

from __future__ import annotations

import fnmatch
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from gitops_tui.domain.model import Deployment

# Field name -> how to read it from a deployment (lower-cased strings, or a tuple of them).
FIELDS: dict[str, Callable[[Deployment], str | tuple[str, ...] | None]] = {
    "service": lambda d: d.service,
    "ring": lambda d: d.ring,
    "author": lambda d: d.author,
    "status": lambda d: d.status,
    "id": lambda d: d.id,
    "partition": lambda d: d.partition,
    "commit": lambda d: d.hot("commitId"),
    "image": lambda d: d.hot("imageTag"),
    "pr": lambda d: d.hot("pr"),
    "hld": lambda d: d.hot("hldCommitId"),
    "manifest": lambda d: d.hot("manifestCommitId"),
    "merged_by": lambda d: d.hot("mergedBy"),
    "cluster": lambda d: d.synced_clusters,
}
ALIASES = {"env": "ring", "svc": "service", "state": "status", "tag": "image", "by": "merged_by"}
_STATUS_WORDS = {
    "running": "in_progress", "in-progress": "in_progress", "inprogress": "in_progress",
    "progress": "in_progress", "ok": "succeeded", "success": "succeeded", "done": "succeeded",
    "fail": "failed", "failure": "failed", "cancelled": "canceled", "wait": "waiting",
    "pending": "waiting",
}


class QueryError(ValueError):
    """A filter that cannot be parsed (message is for the user)."""


@dataclass(frozen=True, slots=True)
class Term:
    field: str | None  # None = free text
    value: str  # lower-cased
    negate: bool = False

    def __str__(self) -> str:
        text = f"{self.field}:{self.value}" if self.field else self.value
        return ("!" if self.negate else "") + (f'"{text}"' if " " in text else text)


@dataclass(frozen=True)
class Query:
    """A parsed filter; ``matches`` is cheap enough to run over 100k rows per keystroke."""

    terms: tuple[Term, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Query:
        try:
            words = shlex.split(text)
        except ValueError:  # an unclosed quote while typing: treat it literally
            words = text.split()
        terms = []
        for word in words:
            negate = word.startswith("!")
            if negate:
                word = word[1:]
            if not word:
                continue
            field, sep, value = word.partition(":")
            name = ALIASES.get(field.lower(), field.lower())
            if sep and name in FIELDS:
                value = value.lower()
                if name == "status":
                    value = _STATUS_WORDS.get(value, value)
                terms.append(Term(name, value, negate))
            else:
                terms.append(Term(None, word.lower(), negate))
        return cls(tuple(terms))

    @classmethod
    def of(cls, **fields: str | None) -> Query:
        """A query from ``--service x --ring y`` style options (None = not given)."""
        text = " ".join(f'"{k}:{v}"' for k, v in fields.items() if v)
        return cls.parse(text)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def __str__(self) -> str:
        return " ".join(str(t) for t in self.terms)

    def matches(self, d: Deployment) -> bool:
        """Whether ``d`` satisfies every term; free text is searched in ``d.hay``."""
        for term in self.terms:
            if term.field is None:
                found = term.value in d.hay
            else:
                found = _field_matches(FIELDS[term.field](d), term.value)
            if found == term.negate:
                return False
        return True

    def filter(self, deployments: Iterable[Deployment]) -> list[Deployment]:
        return [d for d in deployments if self.matches(d)]


def _field_matches(actual: str | tuple[str, ...] | None, pattern: str) -> bool:
    if actual is None:
        return pattern in ("", "-", "none")
    values = actual if isinstance(actual, tuple) else (actual,)
    wild = "*" in pattern or "?" in pattern
    for value in values:
        value = value.lower()
        if value == pattern or (wild and fnmatch.fnmatchcase(value, pattern)):
            return True
    return False




def field_values(deployments: Iterable[Deployment], field: str) -> list[str]:
    """The distinct values of a field, for completion (``s`` ``r`` ``a`` pickers)."""
    read = FIELDS[ALIASES.get(field, field)]
    seen: set[str] = set()
    for d in deployments:
        value = read(d)
        if isinstance(value, tuple):
            seen.update(value)
        elif value:
            seen.add(value)
    return sorted(seen, key=str.lower)
