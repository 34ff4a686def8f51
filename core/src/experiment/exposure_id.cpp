// Exposure event ids: one exposure (one dedupe key) is one event wherever it
// is recorded, so the server's and the browser's copies merge into one.
#include "common/sha256.hpp"
#include "tailor/experiment.hpp"

namespace tailor {

result<std::string> exposure_event_id(std::string_view dedupe_key) noexcept {
  try {
    return "x-" + detail::sha256_hex(dedupe_key).substr(0, 32);
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
