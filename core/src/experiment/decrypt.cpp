// GrowthBook's encrypted payloads: "<base64 iv>.<base64 ciphertext>" under
// AES-CBC with PKCS#7 padding and a base64 key (128, 192 or 256 bits), as the
// SDK decrypts them with WebCrypto. Our own small AES (decryption only); the
// S-boxes are computed at compile time from the field arithmetic.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "tailor/experiment.hpp"

namespace tailor {
namespace {

constexpr uint8_t xtime(uint8_t x) { return static_cast<uint8_t>((x << 1) ^ ((x & 0x80) ? 0x1B : 0)); }

constexpr uint8_t gmul(uint8_t a, uint8_t b) {
  uint8_t p = 0;
  for (int i = 0; i < 8; ++i) {
    if (b & 1) p ^= a;
    a = xtime(a);
    b >>= 1;
  }
  return p;
}

struct sboxes {
  std::array<uint8_t, 256> fwd{};
  std::array<uint8_t, 256> inv{};
};

constexpr sboxes make_sboxes() {
  // Multiplicative inverses from powers of the generator 3: inv(3^i) = 3^(255-i).
  std::array<uint8_t, 256> pow{};
  std::array<uint8_t, 256> log{};
  uint8_t x = 1;
  for (int i = 0; i < 255; ++i) {
    pow[static_cast<std::size_t>(i)] = x;
    log[x] = static_cast<uint8_t>(i);
    x = static_cast<uint8_t>(x ^ xtime(x));  // x * 3
  }
  sboxes s{};
  for (int v = 0; v < 256; ++v) {
    const uint8_t inv = v == 0 ? 0 : pow[static_cast<std::size_t>((255 - log[static_cast<std::size_t>(v)]) % 255)];
    uint8_t r = inv;
    for (int k = 1; k <= 4; ++k) r ^= static_cast<uint8_t>((inv << k) | (inv >> (8 - k)));
    r ^= 0x63;
    s.fwd[static_cast<std::size_t>(v)] = r;
    s.inv[r] = static_cast<uint8_t>(v);
  }
  return s;
}

constexpr sboxes boxes = make_sboxes();

// Key expansion (FIPS-197 section 5.2) into 4*(rounds+1) words, as bytes.
std::vector<uint8_t> expand_key(const std::vector<uint8_t>& key, int& rounds) {
  const int nk = static_cast<int>(key.size() / 4);
  rounds = nk + 6;
  const int total = 4 * (rounds + 1);
  std::vector<uint8_t> w(static_cast<std::size_t>(total) * 4);
  for (std::size_t i = 0; i < key.size(); ++i) w[i] = key[i];
  uint8_t rcon = 1;
  for (int i = nk; i < total; ++i) {
    std::array<uint8_t, 4> t{};
    for (int k = 0; k < 4; ++k) t[static_cast<std::size_t>(k)] = w[static_cast<std::size_t>((i - 1) * 4 + k)];
    if (i % nk == 0) {
      const uint8_t first = t[0];
      t = {boxes.fwd[t[1]], boxes.fwd[t[2]], boxes.fwd[t[3]], boxes.fwd[first]};
      t[0] ^= rcon;
      rcon = xtime(rcon);
    } else if (nk > 6 && i % nk == 4) {
      for (auto& b : t) b = boxes.fwd[b];
    }
    for (int k = 0; k < 4; ++k) {
      w[static_cast<std::size_t>(i * 4 + k)] =
          static_cast<uint8_t>(w[static_cast<std::size_t>((i - nk) * 4 + k)] ^ t[static_cast<std::size_t>(k)]);
    }
  }
  return w;
}

void decrypt_block(const std::vector<uint8_t>& w, int rounds, uint8_t* s) {
  auto add_round_key = [&](int round) {
    for (int i = 0; i < 16; ++i) s[i] ^= w[static_cast<std::size_t>(round * 16 + i)];
  };
  add_round_key(rounds);
  for (int round = rounds - 1; round >= 0; --round) {
    // InvShiftRows (state is column-major: s[r + 4c]).
    uint8_t t[16];
    for (int r = 0; r < 4; ++r) {
      for (int c = 0; c < 4; ++c) t[r + 4 * ((c + r) % 4)] = s[r + 4 * c];
    }
    for (int i = 0; i < 16; ++i) s[i] = boxes.inv[t[i]];  // InvSubBytes
    add_round_key(round);
    if (round == 0) break;
    for (int c = 0; c < 4; ++c) {  // InvMixColumns
      uint8_t* col = s + 4 * c;
      const uint8_t a0 = col[0], a1 = col[1], a2 = col[2], a3 = col[3];
      col[0] = static_cast<uint8_t>(gmul(a0, 14) ^ gmul(a1, 11) ^ gmul(a2, 13) ^ gmul(a3, 9));
      col[1] = static_cast<uint8_t>(gmul(a0, 9) ^ gmul(a1, 14) ^ gmul(a2, 11) ^ gmul(a3, 13));
      col[2] = static_cast<uint8_t>(gmul(a0, 13) ^ gmul(a1, 9) ^ gmul(a2, 14) ^ gmul(a3, 11));
      col[3] = static_cast<uint8_t>(gmul(a0, 11) ^ gmul(a1, 13) ^ gmul(a2, 9) ^ gmul(a3, 14));
    }
  }
}

// WHATWG forgiving-base64 decode (what atob does).
std::optional<std::vector<uint8_t>> atob(std::string_view in) {
  std::string s;
  for (char c : in) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\f' && c != '\r') s += c;
  }
  if (s.size() % 4 == 0) {
    if (!s.empty() && s.back() == '=') s.pop_back();
    if (!s.empty() && s.back() == '=') s.pop_back();
  }
  if (s.size() % 4 == 1) return std::nullopt;
  std::vector<uint8_t> out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

// TextDecoder: invalid sequences become U+FFFD.
std::string utf8_replace(const std::vector<uint8_t>& bytes) {
  std::string raw(bytes.begin(), bytes.end());
  if (detail::is_valid_utf8(raw)) return raw;
  std::string out;
  std::size_t i = 0;
  while (i < raw.size()) {
    std::size_t len = 1;
    const auto b = static_cast<unsigned char>(raw[i]);
    if (b >= 0xC2 && b <= 0xDF) len = 2;
    else if (b >= 0xE0 && b <= 0xEF) len = 3;
    else if (b >= 0xF0 && b <= 0xF4) len = 4;
    if (b < 0x80 || (i + len <= raw.size() && detail::is_valid_utf8(raw.substr(i, len)))) {
      out += raw.substr(i, b < 0x80 ? 1 : len);
      i += b < 0x80 ? 1 : len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

}  // namespace

result<std::string> gb_decrypt(std::string_view encrypted, std::string_view key_base64) noexcept {
  try {
    const error failed = make_error(errc::invalid_config, "Failed to decrypt");
    if (encrypted.size() > limits::max_json_bytes * 2) return make_error(errc::limit_exceeded, "payload too large");
    auto key = atob(key_base64);
    if (!key || !(key->size() == 16 || key->size() == 24 || key->size() == 32)) return failed;
    const std::size_t dot = encrypted.find('.');
    const std::string_view iv_text = encrypted.substr(0, dot);
    // split(".")[1]: up to the next dot; a missing part is `undefined` (atob("undefined")).
    std::string_view body_text = dot == std::string_view::npos ? std::string_view("undefined")
                                                               : encrypted.substr(dot + 1);
    body_text = body_text.substr(0, body_text.find('.'));
    auto iv = atob(iv_text);
    auto body = atob(body_text);
    if (!iv || !body || iv->size() != 16 || body->empty() || body->size() % 16 != 0) return failed;
    int rounds = 0;
    const std::vector<uint8_t> w = expand_key(*key, rounds);
    std::vector<uint8_t> plain(body->size());
    std::array<uint8_t, 16> prev{};
    for (std::size_t i = 0; i < 16; ++i) prev[i] = (*iv)[i];
    for (std::size_t off = 0; off < body->size(); off += 16) {
      uint8_t block[16];
      for (std::size_t i = 0; i < 16; ++i) block[i] = (*body)[off + i];
      decrypt_block(w, rounds, block);
      for (std::size_t i = 0; i < 16; ++i) {
        plain[off + i] = static_cast<uint8_t>(block[i] ^ prev[i]);
        prev[i] = (*body)[off + i];
      }
    }
    const uint8_t pad = plain.back();
    if (pad == 0 || pad > 16) return failed;
    for (std::size_t i = plain.size() - pad; i < plain.size(); ++i) {
      if (plain[i] != pad) return failed;
    }
    plain.resize(plain.size() - pad);
    return utf8_replace(plain);
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor
