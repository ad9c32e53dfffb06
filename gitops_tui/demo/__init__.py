"""The simulator behind ``gitops-tui demo``: a trivia app team's pipelines, live.

It writes through :func:`gitops_tui.writer.record`, exactly as the real pipelines'
``gitops-tui record`` steps do, so the demo shows the product reading its own writer's
rows. The team (:mod:`~gitops_tui.demo.scenario`): services ``frontend`` and
``backend`` (source repos under ``https://github.com/trivia-team/``), one HLD repo
whose branches are the rings ``dev``, ``master`` and ``securitybugfix``, one manifest
repo applied by the clusters ``east-us`` and ``west-us``.

- :meth:`Simulator.backfill` replays a few days of history (30–50 finished
  deployments, a few failed or canceled, one PR closed without merge, one manual HLD
  edit, one PR still waiting for approval; ``securitybugfix`` left on older images than
  ``master``) so the screen is not empty at launch.
- :meth:`Simulator.run` then starts a new deployment every 6–12 s and moves each one
  through image build → metadata update + approval PR → merge → manifest generation and
  push → sync on east-us, then west-us, a few seconds per step (a whole journey takes
  25–42 s at ``speed=1``). The first four are scripted so the interesting cases show at
  once: a deployment that is then promoted to ``master``, a failing image build, a PR
  that stays open, a manual HLD edit; after that the mix is random (seeded).
- :func:`start_in_thread` runs both in a background thread with its own event loop and
  its own store connection, like a real pipeline.

Modules: :mod:`~gitops_tui.demo.scenario` (the team as data),
:mod:`~gitops_tui.demo.pipelines` (ids and the steps of one deployment),
:mod:`~gitops_tui.demo.engine` (the event queue), :mod:`~gitops_tui.demo.simulator`
(history and the live loop), :mod:`~gitops_tui.demo.thread` (the background thread).
"""

from gitops_tui.demo.pipelines import DemoDeployment, Image, run_url, scenarios, source_repo
from gitops_tui.demo.scenario import (
    AUTHORS, CLUSTERS, HISTORY_DAYS, HISTORY_STEPS, HLD_REPO, LIVE_MIX, LIVE_STEPS,
    MANIFEST_REPO, MERGERS, OPENING, ORG_URL, PARTITION, RINGS, SERVICES,
)
from gitops_tui.demo.simulator import MAX_CONSECUTIVE_ERRORS, Simulator
from gitops_tui.demo.thread import DemoHandle, start_in_thread

__all__ = [
    "AUTHORS", "CLUSTERS", "HISTORY_DAYS", "HISTORY_STEPS", "HLD_REPO", "LIVE_MIX",
    "LIVE_STEPS", "MANIFEST_REPO", "MAX_CONSECUTIVE_ERRORS", "MERGERS", "OPENING",
    "ORG_URL", "PARTITION", "RINGS", "SERVICES", "DemoDeployment", "DemoHandle", "Image",
    "Simulator", "run_url", "scenarios", "source_repo", "start_in_thread",
]
