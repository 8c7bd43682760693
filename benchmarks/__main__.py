"""`python -m benchmarks` (`make bench`): every benchmark, one table each."""

from __future__ import annotations

from benchmarks import bench_memory, bench_ptb_step, bench_risk, bench_step, bench_webhook

bench_step.run()
print()
bench_risk.main()
print()
bench_memory.run()
print()
bench_ptb_step.run()
print()
bench_webhook.run()
