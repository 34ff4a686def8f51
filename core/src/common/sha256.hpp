// SHA-256 (FIPS 180-4), for ids that must be the same in the core, in
// tailor-sync and in the browser (where crypto.subtle computes the same
// digest). Not used for secrets: the server's keys and tokens keep OpenSSL.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tailor::detail {

using sha256_digest = std::array<uint8_t, 32>;

// The digest of `data`'s bytes.
sha256_digest sha256(std::string_view data) noexcept;

// The digest as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);

}  // namespace tailor::detail
