-- wrk script: POST prepared checkouts, each buyer once (bench/orders.py writes the file).
-- BENCH_CHECKOUTS is a file of lines "sessionid<TAB>csrf<TAB>address id<TAB>idempotency key";
-- wrk thread i of n takes lines i, i+n, ... If a thread runs out before the time is up it
-- starts again from its first line: those repeats return the order already made (a 302
-- too) and are counted in "repeats", so a run that repeats is reported as such.
local threads, count = {}, 0

function setup(thread)
  thread:set("id", count)
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  local n = tonumber(os.getenv("BENCH_CHECKOUT_THREADS"))
  local i = 0
  requests, next_request, sent = {}, 1, 0
  redirects, other, repeats = 0, 0, 0
  for line in io.lines(os.getenv("BENCH_CHECKOUTS")) do
    if i % n == id then
      local session, csrf, address, key = line:match("^(%S+)\t(%S+)\t(%S+)\t(%S+)$")
      table.insert(requests, wrk.format("POST", "/checkout/", {
        ["Cookie"] = "sessionid=" .. session .. "; csrftoken=" .. csrf,
        ["Content-Type"] = "application/x-www-form-urlencoded",
      }, "csrfmiddlewaretoken=" .. csrf .. "&address=" .. address ..
         "&payment_method=cod&idempotency_key=" .. key))
    end
    i = i + 1
  end
end

function request()
  local r = requests[next_request]
  next_request = next_request + 1
  sent = sent + 1
  if sent > #requests then repeats = repeats + 1 end
  if next_request > #requests then next_request = 1 end
  return r
end

function response(status, headers, body)
  if status == 302 and headers["Location"] and headers["Location"]:match("^/orders/") then
    redirects = redirects + 1
  else
    other = other + 1
  end
end

done = function(summary, latency, requests_)
  local r, o, rep = 0, 0, 0
  for _, thread in ipairs(threads) do
    r = r + thread:get("redirects")
    o = o + thread:get("other")
    rep = rep + thread:get("repeats")
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %.0f, "duration_us": %.0f, "redirects": %d, "other": %d, ' ..
    '"repeats": %d, "errors": {"connect": %.0f, "read": %.0f, "write": %.0f, ' ..
    '"timeout": %.0f}, "latency_us": {"mean": %.1f, "p50": %.0f, "p90": %.0f, ' ..
    '"p99": %.0f, "max": %.0f}}\n',
    summary.requests, summary.duration, r, o, rep,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
