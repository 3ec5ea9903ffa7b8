-- wrk script: print one machine-readable line at the end of a run.
-- Latencies are in microseconds, taken from wrk's own histogram.
done = function(summary, latency, requests)
  io.write(string.format(
    'BENCH_JSON {"requests": %.0f, "duration_us": %.0f, "bytes": %.0f, ' ..
    '"errors": {"connect": %.0f, "read": %.0f, "write": %.0f, "status": %.0f, "timeout": %.0f}, ' ..
    '"latency_us": {"mean": %.1f, "stdev": %.1f, "min": %.0f, "p50": %.0f, "p90": %.0f, "p99": %.0f, "max": %.0f}}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    latency.mean, latency.stdev, latency.min,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
