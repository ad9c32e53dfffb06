"""The Textual face of gitops-tui. Only this package imports Textual.

``make_app(config, monitor)`` builds the app (the CLI and the tests use the same
factory); ``run_app(config, monitor)`` runs it in the terminal.
"""

import os

# Textual draws at most 60 frames a second, and after any frame the next waits for the
# next tick of its clock but one: a key pressed just after a frame (the previous key's,
# the filter line's completion) waited 17-33 ms to be drawn, most of a keystroke's
# 50 ms. 120 halves that; frames are only drawn when something changed, so an idle
# screen costs nothing more. Set before Textual is imported; TEXTUAL_FPS overrides it.
os.environ.setdefault("TEXTUAL_FPS", "120")
