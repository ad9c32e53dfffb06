"""Process-wide settings and the machinery behind them, each with its measured reason."""
