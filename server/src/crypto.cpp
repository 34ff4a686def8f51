#include "crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <charconv>

namespace tailor::sync {

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> md{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md.data());
  return to_hex(std::string_view(reinterpret_cast<const char*>(md.data()), md.size()));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md.data(), &len);
  return std::string(reinterpret_cast<const char*>(md.data()), len);
}

std::string base64url_encode(std::string_view bytes) {
  static constexpr char table[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    out.push_back(table[v >> 18 & 63]);
    out.push_back(table[v >> 12 & 63]);
    out.push_back(table[v >> 6 & 63]);
    out.push_back(table[v & 63]);
  }
  if (bytes.size() - i == 1) {
    uint32_t v = at(i) << 16;
    out.push_back(table[v >> 18 & 63]);
    out.push_back(table[v >> 12 & 63]);
  } else if (bytes.size() - i == 2) {
    uint32_t v = at(i) << 16 | at(i + 1) << 8;
    out.push_back(table[v >> 18 & 63]);
    out.push_back(table[v >> 12 & 63]);
    out.push_back(table[v >> 6 & 63]);
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
  };
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0) return std::nullopt;
    acc = acc << 6 | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>(acc >> bits & 0xff));
    }
  }
  // Unused trailing bits must be zero, so each byte string has one encoding.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

bool equal_ct(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) return {};
  return out;
}

std::string issue_token(std::string_view secret, std::string_view uid, int64_t exp_s) {
  std::string payload = "v1." + std::to_string(exp_s) + "." + base64url_encode(uid);
  return payload + "." + base64url_encode(hmac_sha256(secret, payload));
}

std::optional<std::string> verify_token(std::string_view secret, std::string_view token,
                                        int64_t now_s) {
  if (token.size() > 512 || token.substr(0, 3) != "v1.") return std::nullopt;
  const std::size_t last = token.rfind('.');
  const std::size_t second = token.find('.', 3);
  if (last == std::string_view::npos || second == std::string_view::npos || second >= last) {
    return std::nullopt;
  }
  const std::string_view payload = token.substr(0, last);
  auto mac = base64url_decode(token.substr(last + 1));
  if (!mac || !equal_ct(*mac, hmac_sha256(secret, payload))) return std::nullopt;
  const std::string_view exp_text = token.substr(3, second - 3);
  int64_t exp = 0;
  auto [ptr, ec] = std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp);
  if (ec != std::errc() || ptr != exp_text.data() + exp_text.size() || exp < now_s) {
    return std::nullopt;
  }
  auto uid = base64url_decode(token.substr(second + 1, last - second - 1));
  if (!uid || uid->empty()) return std::nullopt;
  return uid;
}

}  // namespace tailor::sync
