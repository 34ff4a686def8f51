// A linear-time matcher for JavaScript regular expressions (no `u` flag),
// used by the `$regex` / `$regexi` operators. It answers RegExp.prototype.test:
// does the pattern match anywhere in the subject. Patterns compile to a
// Thompson NFA run as a Pike VM over UTF-16 code units, so time is
// O(pattern x subject) whatever the pattern; nothing recurses on input length.
//
// Supported: literals, `.`, classes (ranges, negation, \d \w \s \D \W \S),
// `^ $ \b \B`, groups `(...)`, `(?:...)`, `(?<name>...)`, alternation,
// `* + ? {n} {n,} {n,m}` and their lazy forms, escapes (\t \n \v \f \r \0
// \cX \xHH \uHHHH, legacy octal, identity escapes) and the `i` flag.
// Unsupported (backreferences, lookahead, lookbehind) and invalid patterns
// produce a regex that is not `valid()`; GrowthBook treats those as false.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tailor::condition_detail {

// Upper bound on compiled NFA size (counted repetition expands).
inline constexpr std::size_t max_regex_program = 4096;

enum class regex_status : uint8_t { ok, invalid, unsupported, too_large };

class js_regex {
 public:
  js_regex() = default;
  // `pattern` is UTF-8 source text as written in the condition.
  static js_regex compile(std::string_view pattern, bool ignore_case);

  bool valid() const noexcept { return status_ == regex_status::ok; }
  regex_status status() const noexcept { return status_; }
  // RegExp.prototype.test over UTF-16 code units.
  bool test(std::u16string_view subject) const;

  struct range {
    char16_t lo;
    char16_t hi;
  };
  enum class op : uint8_t { ch, cls, any, split, jmp, match, bol, eol, wordb, nwordb };
  struct inst {
    op code;
    char16_t c = 0;     // ch
    uint32_t x = 0;     // jmp/split target; cls: index into classes_
    uint32_t y = 0;     // split second target
  };
  struct char_class {
    std::vector<range> ranges;  // sorted, disjoint
    bool negated = false;
  };

 private:
  friend class regex_compiler;
  regex_status status_ = regex_status::invalid;
  bool icase_ = false;
  std::vector<inst> prog_;
  std::vector<char_class> classes_;
};

}  // namespace tailor::condition_detail
