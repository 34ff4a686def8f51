-- wrk script: GET /hello (the HTTP layer alone).
function init(args) end
function request() return wrk.format("GET", "/hello") end
dofile(os.getenv("BENCH_DIR") .. "/server-report.lua")
