"""The app asks Textual for 120 frames a second unless the user set TEXTUAL_FPS."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = "import gitops_tui.tui.app, textual.constants as c, textual.screen as s; print(c.MAX_FPS, s.UPDATE_PERIOD)"


def fps(env_value: str | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    if env_value is not None:
        env["TEXTUAL_FPS"] = env_value
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_the_app_draws_up_to_120_frames_a_second_by_default() -> None:
    rate, period = fps(None)
    assert rate == "120" and abs(float(period) - 1 / 120) < 1e-9


def test_the_users_textual_fps_wins() -> None:
    assert fps("30")[0] == "30"
