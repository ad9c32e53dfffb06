"""Relative times and durations as an on-call engineer reads them, clock skew included."""

from datetime import UTC, datetime, timedelta

from gitops_tui.domain.timefmt import format_duration, relative

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_slightly_future_time_is_just_now_never_in_0s():
    for ahead in (0.4, 3, 59, 299):
        assert relative(NOW + timedelta(seconds=ahead), NOW) == "just now"


def test_far_future_time_is_marked_skewed_not_negative():
    text = relative(NOW + timedelta(hours=2), NOW)
    assert text == "2h00m ahead (skew)"
    assert "-" not in text and "in " not in text


def test_past_times():
    assert relative(NOW - timedelta(seconds=5), NOW) == "just now"
    assert relative(NOW - timedelta(seconds=42), NOW) == "42s ago"
    assert relative(NOW - timedelta(minutes=5), NOW) == "5m ago"
    assert relative(NOW - timedelta(days=3), NOW) == "3d ago"
    assert relative(None, NOW) == "-"


def test_duration_is_never_negative():
    assert format_duration(-12) == "0s"
    assert format_duration(75) == "1m15s"
