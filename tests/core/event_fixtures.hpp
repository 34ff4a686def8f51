// Builders of events shared by the core tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tailor/event.hpp"

namespace tailor::test {

// A GBP purchase of one unit of each item at 1.00.
inline event purchase(std::string id, std::string uid, int64_t ts, std::vector<std::string> items) {
  event ev;
  ev.id = std::move(id);
  ev.type = event_type::purchase;
  ev.uid = std::move(uid);
  ev.ts_ms = ts;
  ev.currency = "GBP";
  for (auto& i : items) ev.lines.push_back(line_item{i, 1, 100});
  return ev;
}

}  // namespace tailor::test
