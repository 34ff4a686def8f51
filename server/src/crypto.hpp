// Hashing, HMAC tokens and random keys for tailor-sync (OpenSSL libcrypto).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tailor::sync {

// SHA-256 of data as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);
// HMAC-SHA256(key, data) as 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string to_hex(std::string_view bytes);
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);
// Constant-time equality of two byte strings (length is not secret).
bool equal_ct(std::string_view a, std::string_view b) noexcept;
// n cryptographically random bytes; empty on failure.
std::string random_bytes(std::size_t n);

// Shopper tokens: "v1.<exp_unix_s>.<base64url(uid)>.<base64url(hmac)>" where
// hmac = HMAC-SHA256(secret, "v1.<exp_unix_s>.<base64url(uid)>").
// A store's backend can issue them with the same secret.
std::string issue_token(std::string_view secret, std::string_view uid, int64_t exp_s);
// The uid a token is valid for at now_s, or nullopt (bad format, signature, expired).
std::optional<std::string> verify_token(std::string_view secret, std::string_view token,
                                        int64_t now_s);

}  // namespace tailor::sync
