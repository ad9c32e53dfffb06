"""The filter language: one parser and one matcher for `get` and the TUI's `/` line.

``frontend !status:succeeded ring:dev author:="ada lovelace"`` — terms separated by
spaces, all must hold (AND):

- a bare word matches text anywhere in the deployment (case-insensitive substring);
- ``field:value`` matches a **substring** of that field, case-insensitive;
- ``field:=value`` matches the whole field exactly (still case-insensitive);
- ``*`` and ``?`` are wildcards (``image:v1.*-rc``); ``field:-`` or ``field:none``
  matches a deployment without that field;
- ``!`` in front negates any term; double quotes keep words together.

:meth:`Query.matches` is the reference; the TUI's table model (:mod:`gitops_tui.index`)
answers the same over 100k deployments at once, and the tests prove both agree.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TypeVar

from gitops_tui.domain.model import Deployment
from gitops_tui.domain.textsafe import clean
from gitops_tui.domain.vocab import STATUS_SYNONYMS


def _run_id(stage: str) -> Callable[[Deployment], str | None]:
    def read(d: Deployment) -> str | None:
        found = d.stage(stage)
        return found.run_id if found is not None else None

    return read


# Field name -> how to read it from a deployment (a string, a tuple of them, or None).
FIELDS: dict[str, Callable[[Deployment], str | tuple[str, ...] | None]] = {
    "service": lambda d: d.service,
    "ring": lambda d: d.ring,
    "author": lambda d: d.author,
    "status": lambda d: d.status,
    "id": lambda d: d.id,
    "partition": lambda d: d.partition,
    "commit": lambda d: d.commit,
    "image": lambda d: d.image_tag,
    "pr": lambda d: d.pr,
    "hld": lambda d: d.hld_commit,
    "manifest": lambda d: d.manifest_commit,
    "merged_by": lambda d: d.merged_by,
    "cluster": lambda d: d.synced_clusters,
}
ALIASES = {"env": "ring", "svc": "service", "state": "status", "tag": "image", "by": "merged_by"}

# What a bare word is searched in. No times: "t1" or "z" would match every row.
SEARCHED: tuple[Callable[[Deployment], str | None], ...] = (
    lambda d: d.manifest_commit, _run_id("image"), lambda d: d.image_tag, lambda d: d.pr,
    lambda d: d.merged_by, _run_id("manifest"), lambda d: d.id, lambda d: d.partition,
    lambda d: d.service, lambda d: d.ring, lambda d: d.status, lambda d: d.author,
    lambda d: d.commit, lambda d: d.pr_state, lambda d: d.hld_commit, lambda d: d.pr_title,
    lambda d: "manual" if d.manual_hld_edit else None, _run_id("hld"),
    lambda d: " ".join(d.synced_clusters) or None,
)
_ABSENT = ("-", "none")
# ``status:stuck``: the deployments the insights call stuck (the keys in Query.stuck).
STUCK = "stuck"
_PLAIN = re.compile(r"[^\s'\"\\]+")  # a term shlex.split reads unquoted: no space, quote, backslash
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Term:
    field: str | None  # None = free text
    value: str  # lower-cased
    negate: bool = False
    exact: bool = False  # field:=value

    def __str__(self) -> str:
        """The term as typed: ``Query.parse(str(term))`` gives it back."""
        text = self.value
        if self.field:
            text = f"{self.field}:{'=' if self.exact else ''}{text}"
        quoted = text if _PLAIN.fullmatch(text) else shlex.quote(text)
        if quoted != text and '"' not in text and "\\" not in text:
            quoted = f'"{text}"'  # (reads better than shlex's '…', and parses the same)
        return ("!" if self.negate else "") + quoted

    def accepts(self, actual: str | tuple[str, ...] | None) -> bool:
        """Whether a field's value satisfies this term (negation aside)."""
        return value_matches(actual, self.value, self.exact)


def value_matches(actual: str | tuple[str, ...] | None, pattern: str, exact: bool = False) -> bool:
    """The one matcher of a field term: ``pattern`` (lower-cased) against a value.

    A value with escapes or controls in it also matches by the text it is shown as
    (:func:`~gitops_tui.domain.textsafe.clean`): the suggestions and the pickers offer
    that text, never the raw one, and what they offer must find its deployment.
    """
    if actual is None or actual == ():
        return pattern in _ABSENT or (pattern == "" and not exact)
    if isinstance(actual, tuple):
        values = actual
        if not all(map(str.isprintable, values)):
            values = (*values, *(clean(v, None) for v in values if not v.isprintable()))
    elif actual.isprintable():  # one C-level scan: almost every value
        values = (actual,)
    else:
        values = (actual, clean(actual, None))
    wild = _wildcard(pattern, exact)
    for value in values:
        value = value.lower()
        if wild is not None:
            if wild.match(value):
                return True
        elif value == pattern if exact else pattern in value:
            return True
    return False


@lru_cache(maxsize=256)
def _wildcard(pattern: str, exact: bool) -> re.Pattern[str] | None:
    if "*" not in pattern and "?" not in pattern:
        return None
    return re.compile(fnmatch.translate(pattern if exact else f"*{pattern}*"), re.S)


@dataclass(frozen=True)
class Query:
    """A parsed filter (see the module docstring)."""

    terms: tuple[Term, ...] = ()
    stuck: frozenset[tuple[str, str]] = frozenset()  # the keys ``status:stuck`` matches

    @property
    def asks_stuck(self) -> bool:
        """Whether a term is ``status:stuck`` (its answer changes with the clock)."""
        return any(t.field == "status" and t.value == STUCK for t in self.terms)

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
                exact = value.startswith("=")
                value = (value[1:] if exact else value).lower()
                if name == "status":
                    value = STATUS_SYNONYMS.get(value, value)
                terms.append(Term(name, value, negate, exact))
            else:
                terms.append(Term(None, word.lower(), negate))
        return cls(tuple(terms))

    @classmethod
    def of(cls, **fields: str | None) -> Query:
        """A query from ``--service x --ring y`` style options (None = not given)."""
        text = " ".join(shlex.quote(f"{k}:{v}") for k, v in fields.items() if v)
        return cls.parse(text)

    def __and__(self, other: Query) -> Query:
        return Query(self.terms + other.terms, self.stuck | other.stuck)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def __str__(self) -> str:
        return " ".join(str(t) for t in self.terms)

    def matches(self, d: Deployment) -> bool:
        """Whether ``d`` satisfies every term."""
        for term in self.terms:
            if term.field is None:
                value = term.value
                found = any(value in text.lower() for text in map(_call(d), SEARCHED) if text)
            elif term.field == "status" and term.value == STUCK:
                found = d.key in self.stuck
            else:
                found = term.accepts(FIELDS[term.field](d))
            if found == term.negate:
                return False
        return True

    def filter(self, deployments: Iterable[Deployment]) -> list[Deployment]:
        return [d for d in deployments if self.matches(d)]


def selection(deployments: Iterable[Deployment], query: Query | None = None, since: datetime | None = None,
              top: int | None = None) -> Iterator[Deployment]:
    """What ``get`` prints, in the given order: the deployments ``query`` matches,
    updated at or after ``since``, at most ``top`` of them."""
    if top == 0:
        return
    count = 0
    for d in deployments:
        if query and not query.matches(d):
            continue
        if since is not None and (d.updated_at is None or d.updated_at < since):
            continue
        yield d
        count += 1
        if top is not None and count >= top:
            return


def _call(d: Deployment) -> Callable[[Callable[[Deployment], str | None]], str | None]:
    return lambda read: read(d)


def distinct_values(items: Iterable[T], read: Callable[[T], str | tuple[str, ...] | None]) -> set[str]:
    """The values ``read`` gives over ``items`` (a tuple gives each of its values)."""
    seen: set[str] = set()
    for item in items:
        value = read(item)
        if isinstance(value, tuple):
            seen.update(value)
        elif value:
            seen.add(value)
    return seen


def with_value(text: str, field: str, value: str) -> str:
    """``text`` with its positive ``field:`` term(s) replaced by ``field:=value`` (what
    a picker sets: that value exactly)."""
    query = Query.parse(text)
    terms = [t for t in query.terms if not (t.field == field and not t.negate)]
    return str(Query((*terms, Term(field, value.lower(), exact=True))))
