"""`python -m benchmarks [name ...]`: run the named benchmarks, or all of them, one after another.

    python -m benchmarks              every benchmark module in this folder
    python -m benchmarks pipeline     benchmarks/bench_pipeline.py
    python -m benchmarks --list       the names
    python -m benchmarks steering --device cuda   options after the name go to that benchmark

A benchmark is a module with a `main()` (or `main(argv)`, given an empty list); it prints its
own results. The exit status is the first non-zero one a benchmark returned.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> dict[str, str]:
    """Benchmark name -> module name, for every benchmark module in this folder."""
    found = {}
    for path in sorted(HERE.glob("*.py")):
        if path.stem.startswith("_"):
            continue
        found[path.stem.removeprefix("bench_")] = f"benchmarks.{path.stem}"
    return found


def run_one(name: str, module_name: str, options: Sequence[str] = ()) -> int:
    """Import one benchmark and call its main(); its return value (None = 0) is the status."""
    module = importlib.import_module(module_name)
    main = getattr(module, "main", None)
    if main is None:
        print(f"benchmarks: {module_name} has no main()", file=sys.stderr)
        return 2
    takes_argv = any(p.default is p.empty for p in inspect.signature(main).parameters.values())
    print(f"\n== {name} ({module_name}) ==", flush=True)
    started = time.perf_counter()
    status = main(list(options)) if takes_argv else main()
    print(f"== {name}: {time.perf_counter() - started:.1f} s ==", flush=True)
    return int(status or 0)


def main(argv: Sequence[str]) -> int:
    names = available()
    if "--list" in argv:
        print("\n".join(names))
        return 0
    split = next((i for i, a in enumerate(argv) if a.startswith("-")), len(argv))
    wanted, options = list(argv[:split]) or list(names), list(argv[split:])
    unknown = [n for n in wanted if n not in names]
    if unknown:
        print(
            f"benchmarks: unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(names)}",
            file=sys.stderr,
        )
        return 2
    statuses = [run_one(name, names[name], options) for name in wanted]
    return next((s for s in statuses if s), 0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
