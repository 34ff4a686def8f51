-- wrk script: POST /v1/events with batches of BATCH events spread over UIDS
-- shoppers. Ids are shaped like the SDK's (newEventId: "e-<ms base36>-…",
-- i.e. in time order), made unique by thread and request counter.
-- args: <api key> <uids> <id prefix> <batch size>
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  key = args[1]
  uids = tonumber(args[2]) or 10000
  prefix = args[3] or "b"
  batch = tonumber(args[4]) or 20
  counter = 0
  wrk.method = "POST"
  wrk.headers["Authorization"] = "Bearer " .. key
  wrk.headers["Content-Type"] = "application/json"
end

local digits = "0123456789abcdefghijklmnopqrstuvwxyz"
local function base36(n)
  local s = ""
  repeat
    local d = n % 36
    s = digits:sub(d + 1, d + 1) .. s
    n = (n - d) / 36
  until n == 0
  return s
end

-- mixed: the batch's events belong to BATCH different shoppers; shopper: all
-- to one shopper (the SDK flushes one shopper's queue per request).
local one_shopper = os.getenv("SHAPE") == "shopper"
function shopper(n)
  if one_shopper then n = n - (n - 1) % batch end
  return (n * 7919 + tid) % uids
end

function request()
  counter = counter + 1
  local now_ms = os.time() * 1000  -- wrk's Lua has a seconds clock only
  local t36 = base36(now_ms)
  local parts = {}
  for i = 1, batch do
    local n = counter * batch + i
    parts[i] = string.format(
      '{"id":"e-%s-%s-%d-%08x","type":"view","ts":%d,"uid":"u%d","item_id":"sku-%d"}',
      t36, prefix, tid, n, now_ms + i, shopper(n), n % 5000)
  end
  return wrk.format(nil, "/v1/events", nil, "[" .. table.concat(parts, ",") .. "]")
end

dofile(os.getenv("BENCH_DIR") .. "/server-report.lua")
