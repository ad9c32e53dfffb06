"""gitops-tui: a terminal live monitor for GitOps deployments."""

__version__ = "0.1.0"
