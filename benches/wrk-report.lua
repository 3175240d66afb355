-- wrk script of benches/run: sends the bearer token (VL_TOKEN) on every request, to the
-- application and to nginx alike so both see the same request bytes, and prints one JSON
-- line with throughput, latency percentiles (microseconds) and errors (an answer of 400 or
-- more counts in errors_status).
--
-- With VL_URLS (a file of paths, one per line; section 1b, issue 18) every request asks for a
-- path drawn at random from the file, with a fixed seed per thread (VL_SEED), so the
-- application and nginx see the same sequence of paths. There is no `response` hook, which
-- would make wrk hand every body to Lua.
local token = os.getenv("VL_TOKEN")
local list = os.getenv("VL_URLS")
local seed = tonumber(os.getenv("VL_SEED") or "18")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

if list and list ~= "" then
  local counter = 0
  setup = function(thread)
    counter = counter + 1
    thread:set("id", counter)
  end

  init = function(args)
    paths = {}
    for line in io.lines(list) do
      if line ~= "" then
        paths[#paths + 1] = line
      end
    end
    math.randomseed(seed * 1000 + id)
  end

  request = function()
    return wrk.format("GET", paths[math.random(#paths)])
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"rps":%.2f,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_status":%d,"errors_timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
