-- Shared by the wrk scripts. DELAY_MS > 0 paces each connection (one request,
-- then DELAY_MS of think time), so the offered load is connections/DELAY_MS
-- like real browsers, instead of a closed loop where latency = connections/throughput.
-- PACE=jitter draws each think time uniformly from [DELAY_MS/2, 3*DELAY_MS/2]
-- (same mean, same offered load): shoppers' browsers flush independently,
-- whereas one fixed think time keeps connections answered by one group commit
-- in step, so they arrive together again DELAY_MS later.
-- done() prints one JSON line with throughput, latency percentiles, errors.
local pace = tonumber(os.getenv("DELAY_MS") or "0")
if pace > 0 and os.getenv("PACE") == "jitter" then
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  function delay()
    return math.floor(pace / 2 + math.random() * pace)
  end
elseif pace > 0 then
  function delay()
    return pace
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local s = summary.duration / 1e6
  io.write(string.format(
    'RESULT {"requests":%d,"duration_s":%.2f,"rps":%.1f,"p50_ms":%.2f,"p90_ms":%.2f,"p99_ms":%.2f,' ..
    '"max_ms":%.2f,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, s, summary.requests / s, latency:percentile(50) / 1e3,
    latency:percentile(90) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3,
    e.connect, e.read, e.write, e.status, e.timeout))
end
