-- wrk script: poll a stream's counters as many different viewers (bench/livestream.py).
-- Each request carries the cookie of a viewer picked at random from BENCH_VIEWER_POOL,
-- so the endpoint records heartbeats of that many distinct viewers, like a large audience
-- whose pages poll every few seconds. Prints wrk_report.lua's BENCH_JSON line at the end.
dofile(os.getenv("BENCH_WRK_REPORT"))  -- its done(): the BENCH_JSON line

local pool = tonumber(os.getenv("BENCH_VIEWER_POOL") or "200000")
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  math.randomseed(seed * 7919 + os.time())
end

function request()
  wrk.headers["Cookie"] = string.format("viewer=v%015x", math.random(1, pool))
  return wrk.format("GET")
end
