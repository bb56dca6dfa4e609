-- Campaign rush for wrk (see bench/rush.py, which writes the data and reads the result).
--
-- Every thread cycles through 10 requests: 5 catalogue pages (3 anonymous, 2 as a buyer),
-- 3 campaign pages as a buyer, 2 order changes (PUT /api/v1/campaigns/{id}/order with the
-- buyer's own API token): 80 % reads, 20 % writes. Each thread has its own half of the
-- buyers and takes them in turn, so that one buyer never has two changes in flight.
--
-- Input, in the folder $RUSH_DATA: buyers.tsv (session cookie TAB API token, one buyer a
-- line), catalogue.txt (paths), offers.txt (offer ids), campaign.txt (the campaign id).
-- Output, to $RUSH_RESULT when the run ends: totals, then each (kind, status) count and
-- the problem detail of each refused order change.

local data_dir = os.getenv("RUSH_DATA")
local result_path = os.getenv("RUSH_RESULT")
local thread_count = tonumber(os.getenv("RUSH_THREADS") or "2")
local user_agent = os.getenv("RUSH_USER_AGENT") or "nrhub-bench"

-- Main state: the threads, read back in done().
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_index", #threads)
end

local function read_lines(name)
  local out = {}
  for line in io.lines(data_dir .. "/" .. name) do
    if line ~= "" then
      table.insert(out, line)
    end
  end
  return out
end

-- Thread states.
local buyers, catalogue, offers = {}, {}, {}
local campaign_page, order_path
local counter, reads, writes = 0, 0, 0
statuses = {}  -- globals: read by the main state through thread:get()
details = {}

function init(args)
  local index = thread_index or 1
  for n, line in ipairs(read_lines("buyers.tsv")) do
    if (n - 1) % thread_count == index - 1 then
      local cookie, token = line:match("^([^\t]+)\t([^\t]+)$")
      table.insert(buyers, { cookie = "session=" .. cookie, token = token })
    end
  end
  catalogue = read_lines("catalogue.txt")
  offers = read_lines("offers.txt")
  local campaign = read_lines("campaign.txt")[1]
  campaign_page = "/campagnes/" .. campaign
  order_path = "/api/v1/campaigns/" .. campaign .. "/order"
  math.randomseed(7919 * index)
end

local function headers(extra)
  local h = { ["User-Agent"] = user_agent }
  for name, value in pairs(extra or {}) do
    h[name] = value
  end
  return h
end

local function next_reader()
  reads = reads + 1
  return buyers[(reads * 7) % #buyers + 1]
end

local function three_offers()
  local a = math.random(#offers)
  local b, c = a, a
  while b == a do
    b = math.random(#offers)
  end
  while c == a or c == b do
    c = math.random(#offers)
  end
  return offers[a], offers[b], offers[c]
end

local function order_change()
  writes = writes + 1
  local buyer = buyers[(writes - 1) % #buyers + 1]
  local a, b, c = three_offers()
  -- Always one positive quantity: the order never becomes empty (that is a 422).
  local body = string.format(
    '{"lines":[{"offer_id":%s,"quantity":%d},{"offer_id":%s,"quantity":%d},'
      .. '{"offer_id":%s,"quantity":%d}]}',
    a, math.random(1, 8), b, math.random(0, 6), c, math.random(1, 8)
  )
  return wrk.format("PUT", order_path, headers({
    ["Authorization"] = "Bearer " .. buyer.token,
    ["Content-Type"] = "application/json",
  }), body)
end

function request()
  counter = counter + 1
  local slot = counter % 10
  if slot == 0 or slot == 5 then
    return order_change()
  end
  if slot == 1 or slot == 4 or slot == 7 then
    return wrk.format("GET", campaign_page, headers({ ["Cookie"] = next_reader().cookie }))
  end
  local path = catalogue[math.random(#catalogue)]
  if slot == 3 or slot == 8 then
    return wrk.format("GET", path, headers({ ["Cookie"] = next_reader().cookie }))
  end
  return wrk.format("GET", path, headers())
end

function response(status, headers, body)
  -- The API answers JSON (problem+json when it refuses), the pages HTML.
  local content_type = headers["Content-Type"] or headers["content-type"] or ""
  local kind = content_type:find("json", 1, true) and "write" or "read"
  local key = kind .. " " .. status
  statuses[key] = (statuses[key] or 0) + 1
  if kind == "write" and status ~= 200 then
    local detail = body:match('"detail"%s*:%s*"(.-)"%s*[,}]') or body:sub(1, 120)
    detail = detail:gsub("[\r\n\t]", " ")
    local detail_key = status .. " " .. detail
    details[detail_key] = (details[detail_key] or 0) + 1
  end
end

function done(summary, latency, requests)
  local out = assert(io.open(result_path, "w"))
  local e = summary.errors
  out:write(string.format("requests %d\n", summary.requests))
  out:write(string.format("duration_us %d\n", summary.duration))
  out:write(string.format("p99_us %.0f\n", latency:percentile(99)))
  out:write(string.format("socket_errors %d %d %d %d\n", e.connect, e.read, e.write, e.timeout))
  for _, thread in ipairs(threads) do
    for key, count in pairs(thread:get("statuses")) do
      out:write(string.format("status %s %d\n", key, count))
    end
    for key, count in pairs(thread:get("details")) do
      out:write(string.format("detail %d %s\n", count, key))
    end
  end
  out:close()
end
