"""Insights from the history already in the store: per-hop durations, ETA, stuck
deployments with the reason, ring drift and DORA figures per service and ring.

Pure functions over :class:`~gitops_tui.domain.model.Deployment` values (no Textual),
and :class:`~gitops_tui.insights.engine.InsightsEngine`, which keeps them up to date
poll by poll without recomputing the whole history.
"""
