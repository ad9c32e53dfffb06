"""The Textual face of gitops-tui. Only this package imports Textual.

``make_app(config, monitor)`` builds the app (the CLI and the tests use the same
factory); ``run_app(config, monitor)`` runs it in the terminal.
"""
