-- wrk script for the write scenarios.
-- usage: wrk -s bench/write.lua URL -- MODE SURVEY Q1 Q2 CHOICES1 CHOICES2 SEND_SECONDS
--   MODE     vote:     the seed client's `PUT /api/surveys/<id>/`
--                      {"id":<id>,"questions":[{"id":<q1>,"choice":<c>},{"id":<q2>,"choice":<c>}]}
--            response: `POST /api/surveys/<id>/responses/`
--                      {"answers":[{"question_id":<q1>,"choice_ids":[<c>]},...]}
--   CHOICES1/CHOICES2  comma-separated choice ids of Q1/Q2; requests cycle through every pair.
-- or:    wrk -s bench/write.lua URL -- files METHOD SEND_SECONDS FILE...
--   sends the bodies in FILE... in turn (JSON, made by bench.py for the five-question survey)
--   with METHOD to URL's path.
--   SEND_SECONDS       stop sending new requests this long after the start. wrk abandons
--                      whatever is in flight when its -d runs out, and the server may still
--                      commit those; stopping early (shorter than -d by more than the slowest
--                      write) lets every in-flight write be answered, so the 2xx wrk reports
--                      can be compared exactly with what the server counted.
local requests = {}
local next_one = 0
local stop_at

-- A monotonic clock in seconds (LuaJIT's ffi, which wrk ships with); os.time() otherwise.
local now = os.time
do
  local ok, ffi = pcall(require, "ffi")
  if ok then
    ffi.cdef [[
      typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
      int clock_gettime(int clock_id, bench_timespec *tp);
    ]]
    local ts = ffi.new("bench_timespec")
    now = function()
      ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
      return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
    end
  end
end

local function ids(csv)
  local out = {}
  for id in string.gmatch(csv, "[^,]+") do out[#out + 1] = id end
  return out
end

local function bodies(method, files)
  local headers = { ["Content-Type"] = "application/json" }
  for i = 1, #files do
    local file = assert(io.open(files[i], "rb"))
    requests[#requests + 1] = wrk.format(method, nil, headers, file:read("*a"))
    file:close()
  end
end

function init(args)
  if args[1] == "files" then
    bodies(args[2], { select(4, unpack(args)) })
    stop_at = now() + tonumber(args[3])
    return
  end
  local mode, survey, q1, q2 = args[1], args[2], args[3], args[4]
  local headers = { ["Content-Type"] = "application/json" }
  for _, c1 in ipairs(ids(args[5])) do
    for _, c2 in ipairs(ids(args[6])) do
      local req
      if mode == "vote" then
        req = wrk.format("PUT", "/api/surveys/" .. survey .. "/", headers, string.format(
          '{"id":%s,"questions":[{"id":%s,"choice":%s},{"id":%s,"choice":%s}]}',
          survey, q1, c1, q2, c2))
      elseif mode == "response" then
        req = wrk.format("POST", "/api/surveys/" .. survey .. "/responses/", headers, string.format(
          '{"answers":[{"question_id":%s,"choice_ids":[%s]},{"question_id":%s,"choice_ids":[%s]}]}',
          q1, c1, q2, c2))
      else
        error("write.lua: MODE must be vote or response, not " .. tostring(mode))
      end
      requests[#requests + 1] = req
    end
  end
  stop_at = now() + tonumber(args[7])
end

function delay()
  if now() < stop_at then
    return 0
  end
  return 3600000 -- an hour: nothing more is sent before wrk stops
end

function request()
  next_one = next_one % #requests + 1
  return requests[next_one]
end
