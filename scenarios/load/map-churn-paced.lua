-- wrk script for the map-delete-churn scenarios driven by drive.exec: a fresh trace ID per
-- request (as the built-in driver's {uuid}), and a pause of 20 ms before each request on
-- each connection, so one connection sends about 50 requests a second (Debian's wrk has no
-- rate option; wrk2's -R is not packaged).
local n = 0

request = function()
   n = n + 1
   return wrk.format("GET", "/r?trace=wrk-" .. n)
end

delay = function()
   return 20
end
