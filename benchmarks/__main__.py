"""`python -m benchmarks` (`make bench`): every benchmark, one table each.

Each benchmark runs in a fresh interpreter, with its peer in that same process: what one leaves
behind (a million-loan book's objects for the garbage collector to walk, a warm cache, threads)
must not tilt the next one's comparison.
"""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = (
    "bench_step",
    "bench_risk",
    "bench_memory",
    "bench_replicas",
    "bench_servicing",
    "bench_broadcast",
    "bench_ptb_step",
    "bench_webhook",
    "bench_sql",
    "bench_money_text",
)

failed = []
for name in BENCHMARKS:
    if subprocess.run([sys.executable, "-m", f"benchmarks.{name}"]).returncode != 0:
        failed.append(name)
    print()
if failed:
    sys.exit(f"benchmarks that failed: {', '.join(failed)}")
