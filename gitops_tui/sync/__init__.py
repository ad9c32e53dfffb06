"""Cluster sync from the clusters' own signals (Flux v1 tags today), fed to the monitor
as facts. Sits above :mod:`gitops_tui.monitor`; the monitor never imports it."""
