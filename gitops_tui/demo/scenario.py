"""The trivia team the demo simulates, as plain data: repos, people, timings, odds."""

from __future__ import annotations

PARTITION = "trivia"
ORG_URL = "https://github.com/trivia-team"
SERVICES: tuple[str, ...] = ("frontend", "backend")
RINGS: tuple[str, ...] = ("dev", "master", "securitybugfix")
CLUSTERS: tuple[str, ...] = ("east-us", "west-us")
HLD_REPO = f"{ORG_URL}/trivia-hld"
MANIFEST_REPO = f"{ORG_URL}/trivia-manifests"
AUTHORS: tuple[tuple[str, str], ...] = (
    ("Ada Okafor", "ada.okafor@trivia.dev"),
    ("Bruno Lindqvist", "bruno.lindqvist@trivia.dev"),
    ("Chen Wei", "chen.wei@trivia.dev"),
    ("Dana Whitfield", "dana.whitfield@trivia.dev"),
    ("Esther Mensah", "esther.mensah@trivia.dev"),
    ("Farid Haddad", "farid.haddad@trivia.dev"),
)
MERGERS: tuple[str, ...] = ("Grace Kim", "Hiro Tanaka", "Ines Moreau")

# (low, high) seconds of each step before ``speed`` scales it. Live: a whole journey is
# build + handoff + hld + approval + handoff + manifest + 2 × sync = 25–42 s.
LIVE_STEPS: dict[str, tuple[float, float]] = {
    "build": (6, 10),  # image build running
    "handoff": (1, 2),  # one pipeline stage triggering the next
    "hld": (3, 4),  # metadata update: HLD commit pushed, approval PR opened
    "approval": (4, 8),  # PR open until a reviewer merges it
    "slow_approval": (60, 180),  # the occasional PR nobody looks at for a while
    "manifest": (4, 6),  # manifest generation and push
    "sync": (3, 5),  # a cluster's GitOps agent applying the new manifest commit
    "promote": (4, 8),  # synced in one ring, then promoted to the next
    "opening": (3, 5),  # between the scripted first deployments
    "spawn": (6, 12),  # between new deployments after that
}
# History: the same journeys at the pace of real pipelines and reviewers.
HISTORY_STEPS: dict[str, tuple[float, float]] = {
    "build": (180, 480),
    "handoff": (5, 40),
    "hld": (30, 90),
    "approval": (300, 1800),
    "slow_approval": (1800, 3600),
    "manifest": (90, 240),
    "sync": (30, 300),
    "promote": (900, 2700),
}
HISTORY_DAYS = 4
HISTORY_SLOTS = (24, 28)  # how many deployments start in the history (promotions add more)
# History slots that are not a plain deploy: slot → (scenario, service, promote_to).
HISTORY_SCRIPT: dict[int, tuple[str, str | None, tuple[str, ...]]] = {
    0: ("deploy", "frontend", ("master",)),
    # securitybugfix gets these two early images and nothing later: it runs older
    # images than master.
    1: ("deploy", "backend", ("master", "securitybugfix")),
    2: ("deploy", "frontend", ("master", "securitybugfix")),
    3: ("fail-build", "backend", ()),
    7: ("closed-pr", None, ()),
    10: ("manual", None, ()),
    13: ("fail-manifest", None, ()),
    16: ("cancel-build", None, ()),
}
# How often a deploy to dev is then promoted to master.
HISTORY_PROMOTE_CHANCE = 0.75
LIVE_PROMOTE_CHANCE = 0.6
SLOW_APPROVAL_MERGE_CHANCE = 0.6  # else the slow PR is closed

# Live scenarios after the scripted opening, with weights.
LIVE_MIX: tuple[tuple[str, int], ...] = (
    ("deploy", 66),  # build → dev, then often promoted to master
    ("fail-build", 6),
    ("cancel-build", 2),
    ("fail-manifest", 3),
    ("slow-approval", 6),  # PR open for minutes, then merged or closed
    ("closed-pr", 4),  # PR closed without merge → canceled
    ("manual", 7),  # someone edits the HLD repo by hand
    ("hotfix", 6),  # an older image promoted to securitybugfix
)
# The first live deployments, in order: (scenario, service, promote_to).
OPENING: tuple[tuple[str, str | None, tuple[str, ...] | None], ...] = (
    ("deploy", "frontend", ("master",)),
    ("fail-build", "backend", ()),
    ("waiting", "backend", ()),
    ("manual", None, ()),
)

# What each scenario is expected to end as (``waiting``: its PR stays open).
OUTCOME = {
    "deploy": "succeeded",
    "promote": "succeeded",
    "hotfix": "succeeded",
    "manual": "succeeded",
    "fail-build": "failed",
    "fail-manifest": "failed",
    "cancel-build": "canceled",
    "closed-pr": "canceled",
    "waiting": "waiting",
}
