-- wrk script: GET /v1/profiles/u<random> (the newest LIMIT events + watermark).
-- args: <api key> <uids> <limit>
function init(args)
  key = args[1]
  uids = tonumber(args[2]) or 10000
  limit = args[3] or "100"
  wrk.headers["Authorization"] = "Bearer " .. key
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function request()
  return wrk.format("GET", "/v1/profiles/u" .. math.random(0, uids - 1) .. "?limit=" .. limit)
end

dofile(os.getenv("BENCH_DIR") .. "/server-report.lua")
