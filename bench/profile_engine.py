"""Where the conversation engine's CPU goes in `make bench`'s replay; prints a profile.

This runs the bench's replays with a CPU-time profiler switched on around each batch of the
group-commit writer only, in whichever thread commits it (the writer's, or the loop's for an
event that comes alone), or, with `--thread main`, around the replay with buttons on the main
thread: PTB, the adapter, the Bot API calls, and the batches committed there. cProfile adds its own
cost to every Python call, so its milliseconds are several times the bench's; compare
shares, and the bench's own figures, printed first.

Usage: .venv/bin/python bench/profile_engine.py [--thread engine|main] [--sort S] [--lines N]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import bench_telegram as bench

from bot.conversation import group_commit

engine_profile = cProfile.Profile(timer=time.thread_time)
main_profile = cProfile.Profile(timer=time.thread_time)


_commit_batch = group_commit.commit_batch


def profiled_commit_batch(*args: Any, **kwargs: Any) -> Any:
    """The writer's batch (its transaction and commit included), profiled."""
    engine_profile.enable()
    try:
        return _commit_batch(*args, **kwargs)
    finally:
        engine_profile.disable()


def packages(stats: pstats.Stats) -> Counter[str]:
    """Own time by package (site-packages), module folder of ours, or built-in."""
    found: Counter[str] = Counter()
    for (path, _line, name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "site-packages/" in path:
            key = path.split("site-packages/")[1].split("/")[0]
        elif path == "~":
            key = name
        elif "/bot/" in path or "/models/" in path or "/handlers/" in path:
            key = "/".join(path.split("/")[-3:-1])
        else:
            key = "stdlib " + path.rsplit("/", 1)[-1]
        found[key] += own
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thread", choices=("engine", "main"), default="engine")
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--lines", type=int, default=30)
    args = parser.parse_args()
    if args.thread == "engine":
        # One profiler per thread at a time: an event that comes alone is committed in the
        # loop's own thread (`GroupCommit._alone`), where `--thread main` profiles it whole.
        group_commit.commit_batch = profiled_commit_batch  # type: ignore[assignment]
    replay = bench.replay

    async def profiled_replay(*a: Any, **k: Any) -> bench.Run:
        mixed = args.thread == "main" and k["first_update"] == 200_000
        if mixed:
            main_profile.enable()
        try:
            return await replay(*a, **k)
        finally:
            if mixed:
                main_profile.disable()

    bench.replay = profiled_replay  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as folder:
        figures = asyncio.run(
            bench.bench_updates(bench.DEMO_TEMPLATE, bench.DEFAULT_TEMPLATES_DIR, 3, Path(folder))
        )
    mixed = figures["telegram_with_buttons"]
    keys = ("engine_cpu_ms_per_update", "cpu_ms_per_update", "cpu_cost_ratio_vs_echo")
    print({key: mixed[key] for key in keys}, "(profiled)")
    out = io.StringIO()
    stats = pstats.Stats(engine_profile if args.thread == "engine" else main_profile, stream=out)
    stats.sort_stats(args.sort).print_stats(args.lines)
    print(out.getvalue())
    shares = packages(stats)
    total = sum(shares.values())
    for key, own in shares.most_common(args.lines):
        print(f"{key:50s} {own:7.3f} s {100 * own / total:5.1f} %")


if __name__ == "__main__":
    main()
