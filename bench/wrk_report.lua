-- wrk script: print one machine-readable line at the end of a run.
-- Latencies are in microseconds, taken from wrk's own histogram. "page_cache" counts the
-- answers by their X-Page-Cache header (catalog/page_cache.py): "hit" a stored page,
-- "render" rendered, "bypass" rendered for that visitor only, "none" no such header.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  hit, render, bypass, none = 0, 0, 0, 0
end

function response(status, headers, body)
  local how = headers["X-Page-Cache"]
  if how == "hit" then hit = hit + 1
  elseif how == "render" then render = render + 1
  elseif how == "bypass" then bypass = bypass + 1
  else none = none + 1 end
end

done = function(summary, latency, requests)
  local hits, renders, bypasses, nones = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    hits = hits + (thread:get("hit") or 0)
    renders = renders + (thread:get("render") or 0)
    bypasses = bypasses + (thread:get("bypass") or 0)
    nones = nones + (thread:get("none") or 0)
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %.0f, "duration_us": %.0f, "bytes": %.0f, ' ..
    '"errors": {"connect": %.0f, "read": %.0f, "write": %.0f, "status": %.0f, "timeout": %.0f}, ' ..
    '"latency_us": {"mean": %.1f, "stdev": %.1f, "min": %.0f, "p50": %.0f, "p90": %.0f, "p99": %.0f, "max": %.0f}, ' ..
    '"page_cache": {"hit": %.0f, "render": %.0f, "bypass": %.0f, "none": %.0f}}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    latency.mean, latency.stdev, latency.min,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    hits, renders, bypasses, nones))
end
