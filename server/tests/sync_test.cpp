// Unit tests of tailor-sync's building blocks: SHA-256 / HMAC-SHA256 against
// FIPS 180-2 and RFC 4231 vectors, base64url, shopper tokens, rate limiting.
#include <catch2/catch.hpp>

#include <string>

#include "crypto.hpp"
#include "rate_limit.hpp"

using namespace tailor::sync;

namespace {
std::string unhex(std::string_view h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  }
  return out;
}
}  // namespace

TEST_CASE("sha256 matches FIPS 180-2 vectors", "[sync]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("hmac_sha256 matches RFC 4231 test cases", "[sync]") {
  struct tc {
    std::string key, data, mac_hex;
  };
  const std::string aa131(131, '\xaa');
  const tc cases[] = {
      {std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd'),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {aa131, "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {aa131,
       "This is a test using a larger than block-size key and a larger than block-size data. "
       "The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const auto& c : cases) CHECK(to_hex(hmac_sha256(c.key, c.data)) == c.mac_hex);
  // Test case 5: output truncated to 128 bits.
  CHECK(to_hex(hmac_sha256(std::string(20, '\x0c'), "Test With Truncation")).substr(0, 32) ==
        "a3b6167473100ee06e0c796c2955552b");
}

TEST_CASE("base64url round-trips and rejects non-canonical text", "[sync]") {
  for (std::size_t n = 0; n < 70; ++n) {
    std::string bytes;
    for (std::size_t i = 0; i < n; ++i) bytes.push_back(static_cast<char>((i * 37 + n) & 0xff));
    auto enc = base64url_encode(bytes);
    CHECK(enc.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);
    auto dec = base64url_decode(enc);
    REQUIRE(dec);
    CHECK(*dec == bytes);
  }
  CHECK(base64url_encode("f") == "Zg");
  CHECK(base64url_encode("\xfb\xff") == "-_8");
  CHECK_FALSE(base64url_decode("Zh"));   // trailing bits set
  CHECK_FALSE(base64url_decode("Z"));    // impossible length
  CHECK_FALSE(base64url_decode("Zg=="));  // padding is not base64url here
  CHECK_FALSE(base64url_decode("Z+"));
}

TEST_CASE("shopper tokens verify only with the secret, uid and time they were made for", "[sync]") {
  const std::string secret = "0123456789abcdef0123456789abcdef";
  const auto tok = issue_token(secret, "shopper.42", 1000);
  CHECK(tok.rfind("v1.1000.", 0) == 0);
  CHECK(verify_token(secret, tok, 999) == std::optional<std::string>("shopper.42"));
  CHECK(verify_token(secret, tok, 1000) == std::optional<std::string>("shopper.42"));
  CHECK_FALSE(verify_token(secret, tok, 1001));                      // expired
  CHECK_FALSE(verify_token(secret + "x", tok, 999));                 // other secret
  CHECK_FALSE(verify_token(secret, issue_token(secret, "", 1000), 0));  // empty uid
  std::string forged = tok;
  forged.replace(3, 4, "9999");  // extend the expiry without re-signing
  CHECK_FALSE(verify_token(secret, forged, 999));
  for (std::size_t i = 0; i < tok.size(); ++i) {
    std::string t = tok;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    CHECK_FALSE(verify_token(secret, t, 999));
  }
  for (std::size_t n = 0; n < tok.size(); ++n) CHECK_FALSE(verify_token(secret, tok.substr(0, n), 0));
  CHECK_FALSE(verify_token(secret, "v1." + std::string(600, '1'), 0));
  CHECK_FALSE(verify_token(secret, "v1.-5.dTE.x", -10));
  // Hand-computed: the format is "v1.<exp>.<b64url(uid)>" signed with HMAC-SHA256.
  CHECK(tok == "v1.1000." + base64url_encode("shopper.42") + "." +
                   base64url_encode(hmac_sha256(secret, "v1.1000." + base64url_encode("shopper.42"))));
}

TEST_CASE("equal_ct compares bytes and lengths", "[sync]") {
  CHECK(equal_ct("abc", "abc"));
  CHECK_FALSE(equal_ct("abc", "abd"));
  CHECK_FALSE(equal_ct("abc", "ab"));
  CHECK(equal_ct("", ""));
  CHECK(random_bytes(32).size() == 32);
  CHECK(random_bytes(32) != random_bytes(32));
}

TEST_CASE("rate limiter allows the burst, refuses the next, refills over time", "[sync]") {
  rate_limiter rl(8, 5);  // 1/8 s per token: exact in binary floating point
  double retry = 0;
  for (int i = 0; i < 5; ++i) CHECK(rl.allow("ip", 100.0, retry));
  CHECK_FALSE(rl.allow("ip", 100.0, retry));
  CHECK(retry == Approx(0.125));
  CHECK(rl.allow("other", 100.0, retry));  // buckets are per key
  CHECK(rl.allow("ip", 100.125, retry));   // one token after 1/8 s
  CHECK_FALSE(rl.allow("ip", 100.125, retry));
  CHECK(rl.allow("ip", 200.0, retry));     // refilled, capped at the burst
  for (int i = 0; i < 4; ++i) CHECK(rl.allow("ip", 200.0, retry));
  CHECK_FALSE(rl.allow("ip", 200.0, retry));
  rate_limiter off(0, 0);
  for (int i = 0; i < 1000; ++i) CHECK(off.allow("x", 0, retry));
}

TEST_CASE("rate limiter forgets idle clients instead of growing without bound", "[sync]") {
  rate_limiter rl(1, 1);
  double retry = 0;
  const std::size_t n = rate_limiter::max_keys_per_shard * 16 * 2;
  std::size_t refused = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!rl.allow("client-" + std::to_string(i), 0.0, retry)) ++refused;
  }
  CHECK(refused > 0);  // all buckets drained at t=0: new clients are shed
  CHECK(rl.allow("late", 10.0, retry));  // once buckets refill they are dropped for newcomers
}
