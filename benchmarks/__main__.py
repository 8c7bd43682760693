"""`python -m benchmarks` (`make bench`): every benchmark, one table each."""

from __future__ import annotations

from benchmarks import (
    bench_broadcast,
    bench_memory,
    bench_ptb_step,
    bench_replicas,
    bench_risk,
    bench_servicing,
    bench_step,
    bench_webhook,
)

bench_step.run()
print()
bench_risk.main()
print()
bench_memory.run()
print()
bench_replicas.main()
bench_servicing.run()
bench_broadcast.run()
bench_ptb_step.run()
print()
bench_webhook.run()
