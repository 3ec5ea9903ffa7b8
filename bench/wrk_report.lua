-- wrk script: print one machine-readable line at the end of a run.
-- Latencies are in microseconds, taken from wrk's own histogram. "page_cache" counts the
-- answers by their X-Page-Cache header (catalog/page_cache.py): "hit" a stored page,
-- "render" rendered, "cards" the stored page with some cards rendered again, "stale" the
-- page as it was while another process renders it, "waited" the page another process
-- rendered, "bypass" rendered for that visitor only, "none" no such header.
local threads = {}
local kinds = {"hit", "render", "cards", "stale", "waited", "bypass", "none"}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counts = {}
  for _, kind in ipairs(kinds) do counts[kind] = 0 end
end

function response(status, headers, body)
  local how = headers["X-Page-Cache"]
  if counts[how] == nil then how = "none" end
  counts[how] = counts[how] + 1
  for _, kind in ipairs(kinds) do _G[kind] = counts[kind] end
end

done = function(summary, latency, requests)
  local parts = {}
  for _, kind in ipairs(kinds) do
    local total = 0
    for _, thread in ipairs(threads) do total = total + (thread:get(kind) or 0) end
    table.insert(parts, string.format('"%s": %.0f', kind, total))
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %.0f, "duration_us": %.0f, "bytes": %.0f, ' ..
    '"errors": {"connect": %.0f, "read": %.0f, "write": %.0f, "status": %.0f, "timeout": %.0f}, ' ..
    '"latency_us": {"mean": %.1f, "stdev": %.1f, "min": %.0f, "p50": %.0f, "p90": %.0f, "p99": %.0f, "max": %.0f}, ' ..
    '"page_cache": {%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    latency.mean, latency.stdev, latency.min,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    table.concat(parts, ", ")))
end
