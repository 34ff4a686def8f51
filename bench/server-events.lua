-- wrk script: POST /v1/events with batches of BATCH events, unique ids per
-- thread and request, spread over UIDS shoppers.
-- args: <api key> <uids> <id prefix> <batch size>
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  key = args[1]
  uids = tonumber(args[2]) or 10000
  prefix = (args[3] or "b") .. "-" .. os.time()  -- warm-up and timed runs differ
  batch = tonumber(args[4]) or 20
  counter = 0
  wrk.method = "POST"
  wrk.headers["Authorization"] = "Bearer " .. key
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local parts = {}
  for i = 1, batch do
    local n = counter * batch + i
    parts[i] = string.format(
      '{"id":"%s-%d-%d","type":"view","ts":%d,"uid":"u%d","item_id":"sku-%d"}',
      prefix, tid, n, 1700000000000 + n, (n * 7919 + tid) % uids, n % 5000)
  end
  return wrk.format(nil, "/v1/events", nil, "[" .. table.concat(parts, ",") .. "]")
end

dofile(os.getenv("BENCH_DIR") .. "/server-report.lua")
