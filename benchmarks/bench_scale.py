"""Scale figures for scripts and pipelines (issue 13): prints; asserts nothing.

    .venv/bin/python benchmarks/bench_scale.py [--sizes 10k,100k,300k,1m] [--cache DIR]
                                               [--repo PATH] [--skip get,tui,pty,record]

For each size, an embedded (SQLite) store of generated rows (``bench_core.rows``: every
stage, people, PR) is made once and cached under ``--cache`` (default
``$XDG_CACHE_HOME/gitops-tui-bench``). Then, each in a fresh process of the code at
``--repo`` (default: this checkout; point it at another checkout for before/after):

* ``get -o json|jsonl|table`` (output to /dev/null) and ``get --top 0`` (load only):
  wall time and the process's peak RSS;
* the monitor's headless full load (what the TUI runs): time and RSS after it, and
  filter times on the loaded table (first screen and complete);
* the real app in tmux at 80×24 (``pty``; skipped without tmux): seconds from launch to
  the first deployment row drawn and to the status bar's "n/n deployments", and RSS then;
* the growth ratio per 10× of each figure (1.0 per 10× would be flat, 10 linear);
* ``record`` per call: wall and CPU (user+sys) of one process writing one stage.

Goals (issue 13): get json 100k ≤ 3 s and ≤ 250 MB; 300k ≤ 9 s, ≤ 400 MB; record ≤ 0.15 s
CPU; TUI at 1M ≤ 1 GB and ≤ 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"10k": 10_000, "100k": 100_000, "300k": 300_000, "1m": 1_000_000}
GETS = {"json": ("-o", "json"), "jsonl": ("-o", "jsonl"), "table": ("-o", "table"), "top0": ("--top", "0")}
FILTERS = ("frontend", "service:api ring:prod", "!status:succeeded")


def cache_dir(arg: str | None) -> Path:
    base = Path(arg) if arg else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gitops-tui-bench"
    base.mkdir(parents=True, exist_ok=True)
    return base


def seeded(cache: Path, n: int) -> Path:
    """A config file for a SQLite store of ``n`` generated rows, made once."""
    db, cfg = cache / f"scale-{n}.db", cache / f"scale-{n}.yaml"
    if not db.exists() or not cfg.exists():
        sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
        from bench_core import rows

        from gitops_tui.config import StoreConfig
        from gitops_tui.stores.sqlite import SqliteStore

        part = db.with_suffix(".part")
        part.unlink(missing_ok=True)

        async def fill() -> None:
            store = SqliteStore(StoreConfig(kind="sqlite", path=str(part)))
            await store.open(create=True)
            try:
                for start in range(0, n, 50_000):  # (rows() of a million at once: ~3 GB)
                    batch = rows(min(n, start + 50_000), start=start)
                    await store.upsert_many(batch)
            finally:
                await store.close()

        started = time.perf_counter()
        asyncio.run(fill())
        part.rename(db)
        print(f"  seeded {n:,} rows in {time.perf_counter() - started:.0f} s at {db}", flush=True)
        cfg.write_text(f"store:\n  kind: sqlite\n  path: {db}\n")
    return cfg


def measured(argv: list[str], repo: Path, stdout: int | None = subprocess.DEVNULL) -> tuple[float, float, float, bytes]:
    """(wall s, CPU s, peak RSS MB, stdout) of one child process."""
    env = {**os.environ, "PYTHONPATH": str(repo)}
    env.pop("COLUMNS", None)
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=repo, env=env, stdout=stdout, stderr=subprocess.PIPE)
    out = proc.stdout.read() if proc.stdout else b""
    err = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{argv[3:]} failed ({proc.returncode}): {err.decode(errors='replace')[-500:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def tui_child(cfg: str) -> None:
    """(In a child) the monitor's full load and the table's filters, as JSON."""
    import resource

    from gitops_tui.config import load_config
    from gitops_tui.index.table import TableModel
    from gitops_tui.monitor import Monitor
    from gitops_tui.runtime import settings
    from gitops_tui.stores import make_store

    settings.live()
    monitor = Monitor(make_store(load_config(cfg).store), interval_s=3600)
    started = time.perf_counter()
    update = asyncio.run(monitor.load())
    load_s = time.perf_counter() - started
    model = TableModel()
    model.load(update.snapshot if hasattr(update, "snapshot") else monitor.snapshot)
    rss = int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    filters = {}
    for text in FILTERS:
        t = time.perf_counter()
        model.set_query(text)
        first = time.perf_counter() - t
        model.finish()
        filters[text] = (first, time.perf_counter() - t)
        model.set_query("")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"load_s": load_s, "rss_mb": rss, "peak_mb": peak, "rows": len(model),
                      "filters": filters}))


def in_tmux(repo: Path, cfg: Path, n: int) -> tuple[float, float, float]:
    """(s to the first deployment row, s to "n/n deployments", RSS MB then) of the real
    app launched in a detached tmux session at 80x24."""
    tmux = ["tmux", "-L", f"bench-scale-{os.getpid()}-{n}"]  # (a server of its own)
    session = "bench"
    command = shlex.join(["env", f"PYTHONPATH={repo}", "PYTHONDONTWRITEBYTECODE=", sys.executable,
                          "-m", "gitops_tui", "--config", str(cfg), "watch"])
    started = time.perf_counter()
    subprocess.run([*tmux, "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command], check=True)
    first = loaded = 0.0
    try:
        while time.perf_counter() - started < 120:
            screen = subprocess.run([*tmux, "capture-pane", "-p", "-t", session], capture_output=True,
                                    text=True).stdout
            now = time.perf_counter() - started
            if not first and any(w in screen for w in ("Succeeded", "Failed", "Running", "Waiting")):
                first = now
            if f"{n:,}/{n:,} deployments" in screen:
                loaded = now
                break
            time.sleep(0.05)
        pid = subprocess.run([*tmux, "list-panes", "-t", session, "-F", "#{pane_pid}"], capture_output=True,
                             text=True).stdout.split()[0]
        rss = _rss_mb(pid)
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
    return first or float("nan"), loaded or float("nan"), rss  # (nan: not seen in 120 s)


def _rss_mb(pid: str) -> float:
    """RSS of the pane's process, or of its child when the pane runs a shell."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = children.read_text().split() if children.exists() else []
    status = Path(f"/proc/{kids[0] if kids else pid}/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")) / 1024


def record_per_call(repo: Path, cache: Path, calls: int = 5) -> tuple[float, float]:
    """Median (wall, CPU) of one ``record`` process on a small SQLite store."""
    cfg = cache / "record.yaml"
    cfg.write_text(f"store:\n  kind: sqlite\n  path: {cache / 'record.db'}\n  partition: bench\n")
    walls, cpus = [], []
    for i in range(calls):
        wall, cpu, _, _ = measured([sys.executable, "-m", "gitops_tui", "--config", str(cfg), "record", "-q",
                                    "--p1", str(900000 + i), "--image-tag", f"svc-{i}", "--commit-id", "abc",
                                    "--service", "svc", "--status", "succeeded"], repo)
        walls.append(wall)
        cpus.append(cpu)
    return sorted(walls)[calls // 2], sorted(cpus)[calls // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10k,100k,300k,1m", help="comma-separated, of " + ", ".join(SIZES))
    parser.add_argument("--cache", help="where the seeded stores are kept")
    parser.add_argument("--repo", default=str(ROOT), help="the checkout whose code is measured")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: get,tui,pty,record")
    parser.add_argument("--child", nargs=2, metavar=("PART", "CONFIG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return tui_child(args.child[1])
    repo, cache, skip = Path(args.repo).resolve(), cache_dir(args.cache), set(args.skip.split(","))
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size {unknown[0]!r}; use {', '.join(SIZES)}")
    print(f"code: {repo}   cache: {cache}")
    figures: dict[str, dict[str, float]] = {}
    for name in sizes:
        n = SIZES[name]
        cfg = seeded(cache, n)
        row: dict[str, float] = {}
        if "get" not in skip:
            for out, flags in GETS.items():
                try:
                    wall, _, peak, _ = measured([sys.executable, "-m", "gitops_tui", "--config", str(cfg), "get",
                                                 "--no-enrich", *flags], repo)
                except SystemExit as exc:  # (e.g. jsonl on a checkout from before it)
                    print(f"{name:>5}  get {out:<6} {exc}", flush=True)
                    continue
                row[f"get {out} s"], row[f"get {out} MB"] = wall, peak
                print(f"{name:>5}  get {out:<6} {wall:7.2f} s  peak {peak:7.0f} MB", flush=True)
        if "tui" not in skip:
            _, _, peak, out_bytes = measured([sys.executable, str(Path(__file__).resolve()), "--child", "tui",
                                              str(cfg)], repo, stdout=subprocess.PIPE)
            tui = json.loads(out_bytes)
            row["tui load s"], row["tui RSS MB"] = tui["load_s"], tui["rss_mb"]
            print(f"{name:>5}  tui load {tui['load_s']:6.2f} s  RSS after load {tui['rss_mb']:6.0f} MB"
                  f"  peak {tui['peak_mb']:6.0f} MB", flush=True)
            for text, (first, whole) in tui["filters"].items():
                row[f"filter {text!r} s"] = whole
                print(f"{name:>5}  filter {text!r:<28} first {first * 1000:6.1f} ms  complete {whole * 1000:7.1f} ms")
        if "pty" not in skip and shutil.which("tmux"):
            first, loaded, rss = in_tmux(repo, cfg, n)
            row["pty loaded s"], row["pty RSS MB"] = loaded, rss
            print(f"{name:>5}  app in tmux 80x24: first row {first:5.2f} s  all {n:,} {loaded:6.2f} s"
                  f"  RSS then {rss:6.0f} MB", flush=True)
        figures[name] = row
    names = [s for s in sizes]
    for low, high in zip(names, names[1:]):
        factor = SIZES[high] / SIZES[low]
        print(f"growth {low} -> {high} (x{factor:g}), per 10x:")
        for key, value in figures[low].items():
            if value > 0 and key in figures[high]:
                ratio = (figures[high][key] / value) ** (1 / max(1e-9, _log10(factor)))
                print(f"    {key:<36} {ratio:5.2f}")
    if "record" not in skip:
        with tempfile.TemporaryDirectory() as tmp:
            wall, cpu = record_per_call(repo, Path(tmp))
        print(f"record one call: {wall:.3f} s wall, {cpu:.3f} s CPU (median of 5)")


def _log10(x: float) -> float:
    import math

    return math.log10(x)


if __name__ == "__main__":
    main()
