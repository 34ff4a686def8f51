// Exposure event ids and the SHA-256 under them. Expected values come from
// FIPS 180-2 (appendix B) and, for the other lengths and the ids, from
// Node's crypto.createHash('sha256') over the same UTF-8 bytes, which is what
// tailor-sync (OpenSSL) and the browser SDK (crypto.subtle) computed before
// the core did.
#include <catch2/catch.hpp>

#include <string>

#include "common/sha256.hpp"
#include "tailor/experiment.hpp"

using namespace tailor;

TEST_CASE("sha256 matches the FIPS 180-2 vectors", "[exposure_id]") {
  CHECK(detail::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(detail::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(detail::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(detail::sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                           "klmnopqrlmnopqrsmnopqrstnopqrstu") ==
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  CHECK(detail::sha256_hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 pads at every block boundary", "[exposure_id]") {
  // 55 bytes fit one final block with the length; 56..63 need a second; 64 is a whole block.
  const std::pair<std::size_t, const char*> cases[] = {
      {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
      {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
      {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
      {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
      {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
      {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
  };
  for (const auto& [n, want] : cases) {
    INFO(n << " bytes");
    CHECK(detail::sha256_hex(std::string(n, 'a')) == want);
  }
}

TEST_CASE("exposure_event_id is x- and 32 hex digits of SHA-256 of the dedupe key", "[exposure_id]") {
  // Dedupe keys as the core makes them: hashAttribute + hashValue + experiment key + variationId.
  const std::pair<const char*, const char*> cases[] = {
      {"idu-42exp-hero-layout1", "x-9cc3cb3528260f05f6fb61d4d119fce7"},
      {"id用户1exp-checkout2", "x-7a7bdb250c1ce3e20088500606c82c3b"},
      {"id😀 shopper 0 👩‍👩‍👧hero-test0", "x-5e39324bb7dd70e028ae724a51fd6bde"},
      {"idZoe\u0301 1exp-layer-a0", "x-61beca40a35e638011e338466200a3f8"},  // combining acute accent
      {"deviceIdd 1checkout0", "x-39fb7142270b8e4bfa49c996e3cf3872"},
      {"", "x-e3b0c44298fc1c149afbf4c8996fb924"},
  };
  for (const auto& [key, want] : cases) {
    INFO(key);
    auto id = exposure_event_id(key);
    REQUIRE(id.ok());
    CHECK(id.value() == want);
  }
  std::string long_key = "id";
  for (int i = 0; i < 40; ++i) long_key += "\xc3\xa9";  // é: 86 bytes, two blocks
  long_key += "exp1";
  CHECK(exposure_event_id(long_key).value() == "x-d790954da3cbb639deb3b897534562a3");
}
