// The date filter: strftime over integer civil-date arithmetic (no libc time
// functions, no time zone database). Time zone = render_options::tz_offset_minutes
// or a second argument in minutes (liquidjs: minutes *behind* UTC, as
// Date#getTimezoneOffset; Shopify has no such argument).
#include <cctype>
#include <cstdlib>

#include "copy/filters/filters.hpp"

namespace tailor::copy::detail {

namespace {

int64_t floor_div(int64_t a, int64_t b) { int64_t q = a / b; if ((a % b != 0) && ((a < 0) != (b < 0))) --q; return q; }

// days since 1970-01-01 -> y/m/d (proleptic Gregorian), after H. Hinnant's algorithm.
void civil_from_days(int64_t z, int64_t& y, int& m, int& d) {
  z += 719468;
  int64_t era = floor_div(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  if (m <= 2) ++y;
}

int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = floor_div(y, 400);
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

const char* const kDays[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
const char* const kMonths[] = {"January", "February", "March", "April", "May", "June", "July",
                               "August", "September", "October", "November", "December"};
const char* const kDaysZh[] = {"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"};
const char* const kDaysZhShort[] = {"周日", "周一", "周二", "周三", "周四", "周五", "周六"};

bool digits(std::string_view s, std::size_t& i, std::size_t n, int64_t& out) {
  if (i + n > s.size()) return false;
  int64_t v = 0;
  for (std::size_t k = 0; k < n; ++k) {
    char c = s[i + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  i += n;
  out = v;
  return true;
}

// ISO 8601 subset: YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|±HH:MM]. Date-only and
// zone-less times are UTC (the render's clock has no local zone).
bool parse_iso(std::string_view s, int64_t& ms) {
  std::size_t i = 0;
  int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, frac = 0;
  if (!digits(s, i, 4, y) || i >= s.size() || s[i++] != '-' || !digits(s, i, 2, mo) || i >= s.size() ||
      s[i++] != '-' || !digits(s, i, 2, d))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return false;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d > mdays[mo - 1] + (mo == 2 && leap(y) ? 1 : 0)) return false;
  int64_t offset_min = 0;
  if (i < s.size()) {
    if (s[i] != 'T' && s[i] != ' ') return false;
    ++i;
    if (!digits(s, i, 2, h) || i >= s.size() || s[i++] != ':' || !digits(s, i, 2, mi)) return false;
    if (i < s.size() && s[i] == ':') {
      ++i;
      if (!digits(s, i, 2, se)) return false;
      if (i < s.size() && s[i] == '.') {
        ++i;
        std::size_t b = i;
        int64_t scale = 100;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
          if (scale > 0) { frac += (s[i] - '0') * scale; scale /= 10; }
          ++i;
        }
        if (i == b) return false;
      }
    }
    if (h > 23 || mi > 59 || se > 59) return false;
    if (i < s.size()) {
      if (s[i] == 'Z' || s[i] == 'z') ++i;
      else if (s[i] == '+' || s[i] == '-') {
        int sign = s[i] == '-' ? -1 : 1;
        ++i;
        int64_t oh, om = 0;
        if (!digits(s, i, 2, oh)) return false;
        if (i < s.size() && s[i] == ':') ++i;
        if (i < s.size() && !digits(s, i, 2, om)) return false;
        offset_min = sign * (oh * 60 + om);
      } else return false;
    }
    if (i != s.size()) return false;
  }
  ms = ((days_from_civil(y, static_cast<int>(mo), static_cast<int>(d)) * 24 + h) * 60 + mi - offset_min) * 60000 + se * 1000 + frac;
  return true;
}

}  // namespace

bool parse_time(const value& v, int64_t now_ms, int64_t& ms) {
  if (v.t == value::type::integer) {
    if (v.i > 253402300799 || v.i < -62135596800) return false;
    ms = v.i * 1000;
    return true;
  }
  if (v.t == value::type::number) {
    if (!(v.d < 253402300800.0 && v.d > -62135596800.0)) return false;
    ms = static_cast<int64_t>(v.d * 1000);
    return true;
  }
  if (!v.is_string()) return false;
  std::string_view s = v.str();
  if (s == "now" || s == "today") { ms = now_ms; return true; }
  bool numeric = !s.empty();
  for (std::size_t k = 0; k < s.size(); ++k)
    if (!(std::isdigit(static_cast<unsigned char>(s[k])) || (k == 0 && s[k] == '-'))) numeric = false;
  if (numeric && s.size() < 13) return parse_time(value::integer(std::strtoll(std::string(s).c_str(), nullptr, 10)), now_ms, ms);
  return parse_iso(s, ms);
}

std::string strftime_utc(std::string_view fmt, int64_t ms, int32_t tz_minutes, std::string_view locale) {
  bool zh = locale.substr(0, 2) == "zh";
  int64_t local_ms = ms + static_cast<int64_t>(tz_minutes) * 60000;
  int64_t days = floor_div(local_ms, 86400000);
  int64_t msod = local_ms - days * 86400000;
  int64_t y;
  int m, d;
  civil_from_days(days, y, m, d);
  int H = static_cast<int>(msod / 3600000), M = static_cast<int>(msod / 60000 % 60), S = static_cast<int>(msod / 1000 % 60);
  int wday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
  int yday = static_cast<int>(days - days_from_civil(y, 1, 1)) + 1;
  std::string out;
  for (std::size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c != '%' || i + 1 >= fmt.size()) { out += c; continue; }
    ++i;
    char flag = 0;
    if (fmt[i] == '-' || fmt[i] == '0' || fmt[i] == '_' || fmt[i] == '^' || fmt[i] == '#') {
      flag = fmt[i];
      if (++i >= fmt.size()) { out += '%'; out += flag; break; }
    }
    int width = -1;
    while (i < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[i])) && width < 100) {
      width = (width < 0 ? 0 : width * 10) + (fmt[i] - '0');
      ++i;
    }
    if (i >= fmt.size()) break;
    char conv = fmt[i];
    auto num = [&](int64_t v, int w, char pad) {
      if (flag == '-') { out += std::to_string(v); return; }
      if (flag == '_') pad = ' ';
      if (flag == '0') pad = '0';
      if (width >= 0) w = width;
      std::string t = std::to_string(v < 0 ? -v : v);
      std::string pre = v < 0 ? "-" : "";
      while (static_cast<int>(t.size() + pre.size()) < w) t.insert(t.begin(), pad);
      out += pre + t;
    };
    auto text = [&](std::string t) {
      if (flag == '^') for (auto& ch : t) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (flag == '#') for (auto& ch : t) ch = static_cast<char>(std::islower(static_cast<unsigned char>(ch)) ? std::toupper(static_cast<unsigned char>(ch)) : std::tolower(static_cast<unsigned char>(ch)));
      while (width > 0 && static_cast<int>(t.size()) < width) t.insert(t.begin(), ' ');
      out += t;
    };
    int h12 = H % 12 == 0 ? 12 : H % 12;
    switch (conv) {
      case 'a': text(zh ? kDaysZhShort[wday] : std::string(kDays[wday]).substr(0, 3)); break;
      case 'A': text(zh ? kDaysZh[wday] : kDays[wday]); break;
      case 'b': case 'h': text(zh ? std::to_string(m) + "月" : std::string(kMonths[m - 1]).substr(0, 3)); break;
      case 'B': text(zh ? std::to_string(m) + "月" : kMonths[m - 1]); break;
      case 'C': num(y / 100, 2, '0'); break;
      case 'd': num(d, 2, '0'); break;
      case 'e': num(d, 2, ' '); break;
      case 'H': num(H, 2, '0'); break;
      case 'I': num(h12, 2, '0'); break;
      case 'j': num(yday, 3, '0'); break;
      case 'k': num(H, 2, ' '); break;
      case 'l': num(h12, 2, ' '); break;
      case 'L': num(msod % 1000, 3, '0'); break;
      case 'm': num(m, 2, '0'); break;
      case 'M': num(M, 2, '0'); break;
      case 'p': text(zh ? (H < 12 ? "上午" : "下午") : (H < 12 ? "AM" : "PM")); break;
      case 'P': text(zh ? (H < 12 ? "上午" : "下午") : (H < 12 ? "am" : "pm")); break;
      case 's': num(floor_div(ms, 1000), 1, '0'); break;
      case 'S': num(S, 2, '0'); break;
      case 'u': num(wday == 0 ? 7 : wday, 1, '0'); break;
      case 'w': num(wday, 1, '0'); break;
      case 'y': num(y % 100, 2, '0'); break;
      case 'Y': num(y, 1, '0'); break;
      case 'z': {
        int32_t t = tz_minutes < 0 ? -tz_minutes : tz_minutes;
        out += tz_minutes < 0 ? '-' : '+';
        out += static_cast<char>('0' + t / 600 % 10);
        out += static_cast<char>('0' + t / 60 % 10);
        out += static_cast<char>('0' + t % 60 / 10);
        out += static_cast<char>('0' + t % 10);
        break;
      }
      case 'D': out += strftime_utc("%m/%d/%y", ms, tz_minutes, locale); break;
      case 'F': out += strftime_utc("%Y-%m-%d", ms, tz_minutes, locale); break;
      case 'T': out += strftime_utc("%H:%M:%S", ms, tz_minutes, locale); break;
      case 'R': out += strftime_utc("%H:%M", ms, tz_minutes, locale); break;
      case 'r': out += strftime_utc("%I:%M:%S %p", ms, tz_minutes, locale); break;
      case 'c': out += strftime_utc(zh ? "%Y年%-m月%-d日 %A %H:%M:%S" : "%a %b %e %H:%M:%S %Y", ms, tz_minutes, locale); break;
      case 'x': out += strftime_utc(zh ? "%Y/%-m/%-d" : "%m/%d/%y", ms, tz_minutes, locale); break;
      case 'X': out += strftime_utc("%H:%M:%S", ms, tz_minutes, locale); break;
      case '%': out += '%'; break;
      default: out += '%'; if (flag) out += flag; out += conv; break;
    }
  }
  return out;
}

namespace filters {

result<value> date(const value& in, const filter_args& a, render_ctx& ctx, pos p) {
  int64_t ms = 0;
  if (!parse_time(in, ctx.opt->now_ms, ms)) return in;  // not a date: unchanged (Shopify, liquidjs)
  std::string fmt = to_text(a.pos_args[0]);
  if (fmt.size() > 1024) return arg_error("date: format longer than 1024 bytes", p);
  int32_t tz = ctx.opt->tz_offset_minutes;
  if (a.n > 1) {
    auto t = to_int(a.pos_args[1], p, "date");
    if (!t) return t.error();
    if (t.value() < -1440 || t.value() > 1440) return arg_error("date: time zone offset outside ±1440 minutes", p);
    tz = static_cast<int32_t>(-t.value());
  }
  return charged(ctx, p, strftime_utc(fmt, ms, tz, ctx.opt->locale));
}

}  // namespace filters
}  // namespace tailor::copy::detail
