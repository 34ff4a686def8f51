#include "online_retail.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "civil_time.hpp"
#include "csv.hpp"
#include "tailor/event.hpp"

namespace tailor::cli {
namespace {

using json = nlohmann::json;

struct rule {
  const char* department;
  const char* category;
  std::vector<const char*> phrases;  // whole words; a trailing S or ES also matches
};

// Keyword rules, first match wins: the most specific product nouns first.
const std::vector<rule>& category_rules() {
  static const std::vector<rule> rules = {
      {"Toys & Games", "Games & Puzzles",
       {"PLAYING CARD", "GAME", "PUZZLE", "JIGSAW", "DOMINO", "DOMINOES", "SNAKES AND LADDERS", "BINGO"}},
      {"Stationery & Gift Wrap", "Cards", {"CARD", "GREETING CARD", "CARD HOLDER"}},
      {"Party & Celebrations", "Party Supplies",
       {"PARTY", "BUNTING", "BALLOON", "NAPKIN", "PAPER CHAIN", "CONFETTI", "PAPER PLATE", "PAPER CUP",
        "BIRTHDAY", "CRACKER", "FLAG"}},
      {"Kitchen & Dining", "Baking",
       {"BAKING", "CAKE CASE", "CAKE TIN", "CAKE STAND", "CAKE MOULD", "ICING", "COOKIE CUTTER",
        "BISCUIT CUTTER", "PASTRY", "MIXING BOWL", "JELLY MOULD", "MEASURING"}},
      {"Home Textiles", "Hot Water Bottles & Warmers", {"HOT WATER BOTTLE", "HAND WARMER", "HOTTIE", "WARMER"}},
      {"Home Textiles", "Cushions & Throws", {"CUSHION", "THROW", "BLANKET", "QUILT", "PILLOW", "FILLER PAD"}},
      {"Home Textiles", "Kitchen Textiles", {"TEA TOWEL", "APRON", "OVEN GLOVE", "DISH CLOTH", "TOWEL"}},
      {"Home Textiles", "Doormats", {"DOORMAT", "DOOR MAT", "MAT"}},
      {"Kitchen & Dining", "Lunch & Picnic",
       {"LUNCH BOX", "LUNCH BAG", "LUNCHBOX", "PICNIC", "SNACK BOX", "BOTTLE", "FOOD CONTAINER", "FLASK"}},
      {"Kitchen & Dining", "Tableware",
       {"MUG", "CUP", "SAUCER", "TEACUP", "PLATE", "BOWL", "TEAPOT", "JUG", "BEAKER", "CUTLERY", "SPOON",
        "TEASPOON", "FORK", "KNIFE", "KNIVES", "CHOPSTICK", "TEA SET", "COASTER", "PLACEMAT", "TRAY", "TUMBLER",
        "GLASS TUMBLER", "DRINKING", "STRAW", "SERVING", "CAKESTAND", "TOAST RACK", "BUTTER DISH", "DISH",
        "GOBLET", "WINE GLASS", "APERITIF GLASS", "MILKSHAKE GLASS", "PLACE SETTING"}},
      {"Kitchen & Dining", "Kitchen Storage",
       {"TIN", "JAR", "CANISTER", "BREAD BIN", "SPICE", "RECIPE BOX", "JAM MAKING", "SUGAR", "TEA", "COFFEE",
        "BISCUIT", "KITCHEN", "SCALES", "EGG"}},
      {"Stationery & Gift Wrap", "Gift Wrap",
       {"WRAP", "GIFT BAG", "GIFT TAG", "TAG", "RIBBON", "TISSUE", "GIFT BOX", "WRAPPING"}},
      {"Stationery & Gift Wrap", "Writing & Notebooks",
       {"NOTEBOOK", "PENCIL", "PEN", "ERASER", "RUBBER", "RULER", "NOTE PAD", "NOTEPAD", "JOURNAL", "DIARY",
        "STICKER", "STAMP", "WRITING SET", "CRAYON", "CHALK", "ENVELOPE", "MEMO BOARD", "NOTE BOOK", "SHARPENER",
        "ADDRESS BOOK", "BOOKMARK", "CALENDAR", "PAPER", "STATIONERY", "SKETCHBOOK", "TAPE", "SCISSOR",
        "HOLE PUNCH", "POSTCARD", "PAPERWEIGHT", "P'WEIGHT", "TAPE MEASURE", "PHOTO A"}},
      {"Lighting & Candles", "Candles & Holders",
       {"T-LIGHT", "TLIGHT", "TEA LIGHT", "TEALIGHT", "CANDLE", "CANDLEHOLDER", "CANDLESTICK", "LANTERN",
        "INCENSE", "OIL BURNER"}},
      {"Lighting & Candles", "Lights & Lamps", {"LIGHT", "LAMP", "LAMPSHADE", "TORCH"}},
      {"Home Decor", "Clocks & Frames", {"CLOCK", "FRAME", "MIRROR", "PHOTO ALBUM", "ALBUM"}},
      {"Home Decor", "Signs & Wall Art",
       {"SIGN", "PLAQUE", "WALL ART", "CHALKBOARD", "BLACKBOARD", "WALL HANGING", "WALL DECORATION", "PRINT"}},
      {"Bath & Beauty", "Bath & Toiletries",
       {"BATH", "SOAP", "WASH BAG", "TOILETRY", "MAKE UP", "COSMETIC", "NAIL", "SPONGE", "BATHROOM",
        "TOOTHBRUSH", "SHOWER", "LIP GLOSS", "COMPACT", "PLASTERS", "TISSUES", "WASHBAG", "FLANNEL",
        "FRAGRANCE"}},
      {"Bags & Accessories", "Bags & Purses",
       {"BAG", "SHOPPER", "TOTE", "PURSE", "BACKPACK", "RUCKSACK", "WALLET", "PASSPORT COVER", "HANDBAG",
        "SATCHEL", "CASE"}},
      {"Bags & Accessories", "Jewellery & Accessories",
       {"NECKLACE", "BRACELET", "EARRING", "EARRINGS", "BROOCH", "KEY RING", "KEYRING", "HAIR", "HAIRCLIP",
        "HAIR CLIP", "UMBRELLA", "SCARF", "HAT", "CHARM", "BANGLE", "RING", "JEWELLERY", "SUNGLASSES", "BADGE",
        "HAIRBAND", "SLIPPER", "GLOVES", "PONCHO", "HAIRSLIDE", "FAN", "KEY-CHAIN", "KEYCHAIN", "PASSPORT",
        "VIPPASSPORT", "HEADPHONES", "EAR MUFF"}},
      {"Toys & Games", "Toys",
       {"TOY", "DOLL", "BLOCK", "SKIPPING ROPE", "SPACEBOY", "PLAYHOUSE", "TEDDY", "KIT", "COLOURING",
        "PAINT SET", "MAGIC", "SPINNING TOP", "YO-YO", "KITE", "BUBBLES", "WATER PISTOL", "FELTCRAFT",
        "DRESSING UP", "MARBLES", "PUPPET", "SOLDIER", "RATTLE", "STENCIL", "HELICOPTER", "JACK IN THE BOX",
        "CHILDRENS", "CHILDREN'S", "KIDS", "BABY", "BOOK", "CRAFT"}},
      {"Garden & Outdoor", "Garden",
       {"GARDEN", "PLANT", "PLANTER", "PLANT POT", "FLOWER POT", "BIRD HOUSE", "BIRD FEEDER", "BIRDHOUSE",
        "WATERING CAN", "PARASOL", "SEED", "TROWEL", "GNOME", "WINDMILL", "POT", "HERB", "OUTDOOR", "FEEDER"}},
      {"Home Decor", "Christmas Decorations",
       {"CHRISTMAS", "XMAS", "BAUBLE", "WREATH", "ADVENT", "NATIVITY", "SANTA", "REINDEER", "SNOWFLAKE",
        "TREE"}},
      {"Home Decor", "Ornaments & Decorations",
       {"ORNAMENT", "DECORATION", "HANGING", "GARLAND", "DOORSTOP", "DOOR STOP", "VASE", "FIGURE", "STATUE",
        "BELL", "CHIME", "HEART", "BUNNY", "EASTER", "STAR", "FLOWER", "BIRD", "BUTTERFLY", "WICKER", "CHANDELIER",
        "MOBILE", "FEATHER", "BEAD", "PEBBLE"}},
      {"Home Storage", "Storage & Organisation",
       {"BOX", "BASKET", "HOOK", "HANGER", "COAT RACK", "DRAWER", "CABINET", "PEG BAG", "CRATE", "TRINKET",
        "CHEST", "BIN", "SHELF", "RACK", "STORAGE", "HOLDER", "PEG", "TIDY", "ORGANISER", "DRAWER KNOB",
        "KNOB", "TRUNK", "SUITCASE"}},
  };
  return rules;
}

struct tag_rule {
  const char* tag;
  std::vector<const char*> phrases;
};

const std::vector<tag_rule>& tag_rules() {
  static const std::vector<tag_rule> rules = {
      {"christmas", {"CHRISTMAS", "XMAS", "SANTA", "REINDEER", "ADVENT", "NATIVITY", "SNOWFLAKE"}},
      {"vintage", {"VINTAGE", "ANTIQUE", "RETRO"}},
      {"retrospot", {"RETROSPOT"}},
      {"heart", {"HEART"}},
      {"polka-dot", {"POLKADOT", "POLKA DOT", "SPOTTY", "DOTCOM"}},
      {"union-jack", {"UNION JACK", "UNION FLAG", "BRITISH"}},
      {"floral", {"FLORAL", "FLOWER", "ROSE", "ROSES", "DAISY", "BLOSSOM", "PAISLEY"}},
      {"bird", {"BIRD", "BIRDS", "OWL"}},
      {"star", {"STAR"}},
      {"spaceboy", {"SPACEBOY"}},
      {"woodland", {"WOODLAND"}},
      {"regency", {"REGENCY"}},
      {"kids", {"CHILDRENS", "CHILDREN'S", "KIDS", "BABY", "DOLLY GIRL", "SPACEBOY"}},
      {"love", {"LOVE"}},
      {"red", {"RED"}},
      {"pink", {"PINK"}},
      {"blue", {"BLUE"}},
      {"green", {"GREEN"}},
      {"white", {"WHITE"}},
      {"black", {"BLACK"}},
      {"ivory", {"IVORY", "CREAM"}},
      {"gold", {"GOLD"}},
      {"silver", {"SILVER"}},
      {"purple", {"PURPLE", "LILAC"}},
      {"yellow", {"YELLOW"}},
      {"orange", {"ORANGE"}},
      {"glass", {"GLASS"}},
      {"metal", {"METAL", "ZINC", "TIN", "ENAMEL", "IRON"}},
      {"wood", {"WOODEN", "WOOD"}},
      {"ceramic", {"CERAMIC", "PORCELAIN", "CHINA"}},
      {"felt", {"FELT", "FELTCRAFT"}},
      {"set", {"SET"}},
  };
  return rules;
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    const bool word_char = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                           c == '-' || c == '\'';
    if (word_char) {
      cur += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

bool word_matches(const std::string& word, std::string_view key) {
  if (word == key) return true;
  if (word.size() == key.size() + 1 && word.back() == 'S' && word.compare(0, key.size(), key) == 0) return true;
  return word.size() == key.size() + 2 && word.compare(word.size() - 2, 2, "ES") == 0 &&
         word.compare(0, key.size(), key) == 0;
}

bool contains_phrase(const std::vector<std::string>& ws, const char* phrase) {
  const auto keys = words(phrase);
  if (keys.empty() || keys.size() > ws.size()) return false;
  for (std::size_t i = 0; i + keys.size() <= ws.size(); ++i) {
    bool all = true;
    for (std::size_t k = 0; k < keys.size() && all; ++k) all = word_matches(ws[i + k], keys[k]);
    if (all) return true;
  }
  return false;
}

// ---- parsing fields ----

std::optional<int64_t> parse_int(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  bool neg = s[0] == '-';
  std::size_t i = neg ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return neg ? -v : v;
}

// A decimal price in pounds to pence, rounding half up beyond two decimals.
std::optional<int64_t> parse_pence(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  bool neg = s[0] == '-';
  std::size_t i = neg ? 1 : 0;
  int64_t whole = 0;
  std::size_t digits = 0;
  for (; i < s.size() && s[i] != '.'; ++i, ++digits) {
    if (s[i] < '0' || s[i] > '9' || digits >= 12) return std::nullopt;
    whole = whole * 10 + (s[i] - '0');
  }
  int64_t frac = 0;
  int frac_digits = 0;
  bool round_up = false;
  if (i < s.size()) {
    ++i;
    if (i == s.size() && digits == 0) return std::nullopt;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      if (frac_digits < 2) frac = frac * 10 + (s[i] - '0');
      else if (frac_digits == 2) round_up = s[i] >= '5';
      ++frac_digits;
    }
  } else if (digits == 0) {
    return std::nullopt;
  }
  for (int k = frac_digits; k < 2; ++k) frac *= 10;
  const int64_t pence = whole * 100 + frac + (round_up ? 1 : 0);
  return neg ? -pence : pence;
}

// "YYYY-MM-DD HH:MM" (optionally ":SS") as UTC milliseconds.
std::optional<int64_t> parse_date(std::string_view s) {
  auto num = [&](std::size_t at, std::size_t n) -> std::optional<int64_t> {
    if (at + n > s.size()) return std::nullopt;
    int64_t v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if ((s.size() != 16 && s.size() != 19) || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':') {
    return std::nullopt;
  }
  auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2);
  std::optional<int64_t> sec = int64_t{0};
  if (s.size() == 19) {
    if (s[16] != ':') return std::nullopt;
    sec = num(17, 2);
  }
  if (!y || !mo || !d || !h || !mi || !sec) return std::nullopt;
  if (*y < 1970 || *mo < 1 || *mo > 12 || *d < 1 || *h > 23 || *mi > 59 || *sec > 59) return std::nullopt;
  if (*d > days_in_month(*y, static_cast<unsigned>(*mo))) return std::nullopt;
  return utc_ms(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d), static_cast<unsigned>(*h),
                static_cast<unsigned>(*mi), static_cast<unsigned>(*sec));
}

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

bool is_product_code(const std::string& code) {
  if (code.size() < 5) return false;
  for (int i = 0; i < 5; ++i) {
    if (code[static_cast<std::size_t>(i)] < '0' || code[static_cast<std::size_t>(i)] > '9') return false;
  }
  return true;
}

struct product {
  std::map<std::string, int64_t> descriptions;  // description -> lines
  std::map<int64_t, int64_t> prices;            // pence -> lines
  int64_t units = 0;
  std::set<std::string> orders;
};

struct line {
  std::string code;
  int64_t pence;
  int64_t quantity;
};

struct invoice {
  std::string number;
  int64_t ts = 0;
  std::string customer;  // "" for a guest
  std::vector<line> lines;
};

struct cancellation {
  int64_t ts;
  std::string customer;
  std::string code;
  int64_t quantity;  // positive
  std::size_t order; // input order, for a stable sort
};

std::string format_pence(int64_t p) {
  std::string cents = std::to_string(p % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return std::to_string(p / 100) + "." + cents;
}

}  // namespace

std::vector<std::string> retail_category(std::string_view description) {
  const auto ws = words(description);
  for (const auto& r : category_rules()) {
    for (const char* p : r.phrases) {
      if (contains_phrase(ws, p)) return {r.department, r.category};
    }
  }
  return {"Gifts & Novelties", "Other Gifts"};
}

std::vector<std::string> retail_tags(std::string_view description) {
  const auto ws = words(description);
  std::vector<std::string> out;
  for (const auto& r : tag_rules()) {
    for (const char* p : r.phrases) {
      if (contains_phrase(ws, p)) {
        out.emplace_back(r.tag);
        break;
      }
    }
  }
  return out;
}

std::string retail_title(std::string_view description) {
  std::string out;
  bool start = true;
  for (char c : description) {
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (letter) {
      if (start) out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
      else out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      start = false;
    } else {
      out += c;
      start = c != '\'' && !(c >= '0' && c <= '9');
    }
  }
  // Collapse runs of spaces and trim.
  std::string clean;
  for (char c : out) {
    if (c == ' ' && (clean.empty() || clean.back() == ' ')) continue;
    clean += c;
  }
  while (!clean.empty() && (clean.back() == ' ' || clean.back() == '.')) clean.pop_back();
  return clean;
}

result<retail_store> import_online_retail(std::string_view csv, const retail_options& opt) noexcept {
  try {
    csv_reader reader(csv);
    std::vector<std::string> f;
    auto first = reader.next(f);
    if (!first) return first.error();
    if (!*first) return make_error(errc::invalid_csv, "the file is empty", "1:1");
    const char* names[] = {"InvoiceNo", "StockCode", "Description", "Quantity",
                           "InvoiceDate", "UnitPrice", "CustomerID", "Country"};
    std::size_t col[8];
    for (int k = 0; k < 8; ++k) {
      auto it = std::find(f.begin(), f.end(), names[k]);
      if (it == f.end()) {
        return make_error(errc::invalid_csv, std::string("the header has no column ") + names[k], "1:1");
      }
      col[k] = static_cast<std::size_t>(it - f.begin());
    }
    const std::size_t width = f.size();
    enum { c_invoice, c_code, c_desc, c_qty, c_date, c_price, c_customer, c_country };

    std::map<std::string, int64_t> skipped;  // reason -> lines
    std::map<std::string, product> products;
    std::vector<invoice> invoices;
    std::unordered_map<std::string, std::size_t> invoice_index;
    std::vector<cancellation> cancellations;
    std::set<std::string> customers, countries;
    int64_t rows = 0;

    for (;;) {
      auto more = reader.next(f);
      if (!more) return more.error();
      if (!*more) break;
      if (f.size() == 1 && f[0].empty()) continue;  // blank line
      ++rows;
      const std::string at = std::to_string(reader.record_line());
      auto where = [&](int k) { return at + ":" + std::to_string(reader.field_column(col[k])); };
      if (f.size() != width) {
        return make_error(errc::invalid_csv,
                          "expected " + std::to_string(width) + " fields, got " + std::to_string(f.size()),
                          at + ":1");
      }
      const std::string number = trim(f[col[c_invoice]]);
      if (number.empty() || number.size() > limits::max_id_bytes - 8) {
        return make_error(errc::invalid_field, "InvoiceNo must be 1 to 120 characters", where(c_invoice));
      }
      std::string code = trim(f[col[c_code]]);
      for (auto& c : code) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
      if (code.empty() || code.size() > limits::max_id_bytes) {
        return make_error(errc::invalid_field, "StockCode must be 1 to 128 characters", where(c_code));
      }
      auto qty = parse_int(trim(f[col[c_qty]]));
      if (!qty) return make_error(errc::invalid_field, "Quantity is not an integer", where(c_qty));
      auto ts = parse_date(trim(f[col[c_date]]));
      if (!ts) return make_error(errc::invalid_field, "InvoiceDate is not YYYY-MM-DD HH:MM", where(c_date));
      auto pence = parse_pence(trim(f[col[c_price]]));
      if (!pence) return make_error(errc::invalid_field, "UnitPrice is not a decimal number", where(c_price));
      std::string customer = trim(f[col[c_customer]]);
      if (customer.size() > 2 && customer.compare(customer.size() - 2, 2, ".0") == 0) customer.resize(customer.size() - 2);
      if (!customer.empty() && (customer.size() > 20 || !parse_int(customer) || customer[0] == '-')) {
        return make_error(errc::invalid_field, "CustomerID is not a number", where(c_customer));
      }
      const std::string description = trim(f[col[c_desc]]);
      const std::string country = trim(f[col[c_country]]);
      if (!country.empty() && country.size() <= 64) countries.insert(country);

      if (!is_product_code(code)) {
        ++skipped["not_a_product"];
        continue;
      }
      if (number[0] == 'C') {
        if (*qty >= 0) {
          ++skipped["cancellation_without_negative_quantity"];
        } else if (customer.empty()) {
          ++skipped["cancellation_by_guest"];
        } else {
          cancellations.push_back({*ts, customer, code, -*qty, cancellations.size()});
        }
        continue;
      }
      if (*qty <= 0) {
        ++skipped["adjustment_quantity_not_positive"];
        continue;
      }
      if (*pence <= 0) {
        ++skipped["adjustment_price_not_positive"];
        continue;
      }
      if (description.empty()) {
        ++skipped["no_description"];
        continue;
      }
      if (*qty > limits::max_quantity) {
        ++skipped["quantity_over_limit"];
        continue;
      }
      if (customer.empty() && !opt.include_guests) {
        ++skipped["guest_skipped"];
        continue;
      }
      auto& p = products[code];
      ++p.descriptions[description];
      ++p.prices[*pence];
      p.units += *qty;
      p.orders.insert(number);
      auto [it, inserted] = invoice_index.try_emplace(number, invoices.size());
      if (inserted) invoices.push_back({number, *ts, customer, {}});
      invoice& inv = invoices[it->second];
      if (inv.customer != customer) {
        return make_error(errc::invalid_field, "invoice " + number + " has lines of two customers",
                          where(c_customer));
      }
      if (*ts < inv.ts) inv.ts = *ts;
      auto same = std::find_if(inv.lines.begin(), inv.lines.end(),
                               [&](const line& l) { return l.code == code && l.pence == *pence; });
      if (same != inv.lines.end()) {
        if (same->quantity + *qty > limits::max_quantity) {
          ++skipped["quantity_over_limit"];
          continue;
        }
        same->quantity += *qty;
      } else {
        inv.lines.push_back({code, *pence, *qty});
      }
      if (!customer.empty()) customers.insert(customer);
    }

    // Cancellations: take quantities back from the customer's latest earlier purchases.
    std::map<std::pair<std::string, std::string>, std::vector<std::pair<std::size_t, std::size_t>>> bought;
    std::vector<std::size_t> by_time(invoices.size());
    for (std::size_t i = 0; i < by_time.size(); ++i) by_time[i] = i;
    std::stable_sort(by_time.begin(), by_time.end(),
                     [&](std::size_t a, std::size_t b) { return invoices[a].ts < invoices[b].ts; });
    for (std::size_t i : by_time) {
      if (invoices[i].customer.empty()) continue;
      for (std::size_t l = 0; l < invoices[i].lines.size(); ++l) {
        bought[{invoices[i].customer, invoices[i].lines[l].code}].push_back({i, l});
      }
    }
    std::stable_sort(cancellations.begin(), cancellations.end(),
                     [](const cancellation& a, const cancellation& b) { return a.ts < b.ts; });
    int64_t cancelled_units = 0, unmatched_units = 0, matched_lines = 0, unmatched_lines = 0;
    for (const auto& c : cancellations) {
      int64_t left = c.quantity;
      auto it = bought.find({c.customer, c.code});
      if (it != bought.end()) {
        for (auto r = it->second.rbegin(); r != it->second.rend() && left > 0; ++r) {
          invoice& inv = invoices[r->first];
          if (inv.ts > c.ts) continue;
          line& ln = inv.lines[r->second];
          const int64_t take = std::min(left, ln.quantity);
          ln.quantity -= take;
          left -= take;
          cancelled_units += take;
        }
      }
      unmatched_units += left;
      if (left == c.quantity) ++unmatched_lines;
      else ++matched_lines;
    }

    // Catalog, in StockCode order.
    std::string catalog;
    std::map<std::string, int64_t> category_counts;
    for (const auto& [code, p] : products) {
      std::string best;
      int64_t best_n = -1;
      for (const auto& [d, n] : p.descriptions) {
        if (n > best_n) { best = d; best_n = n; }  // map order: ties go to the smaller text
      }
      int64_t price = 0, price_n = -1;
      for (const auto& [pp, n] : p.prices) {
        if (n > price_n) { price = pp; price_n = n; }
      }
      const auto category = retail_category(best);
      ++category_counts[category[0] + ">" + category[1]];
      json j;
      j["id"] = code;
      j["title"] = retail_title(best);
      j["category"] = category;
      j["price"] = static_cast<double>(price) / 100.0;
      j["currency"] = "GBP";
      j["tags"] = retail_tags(best);
      j["attributes"] = {{"stock_code", code},
                         {"description", best},
                         {"units_sold", std::to_string(p.units)},
                         {"orders", std::to_string(p.orders.size())},
                         {"price_gbp", format_pence(price)}};
      catalog += j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    }

    // Purchase events, ordered by (ts, id).
    struct out_event {
      int64_t ts;
      std::string id;
      std::string text;
    };
    std::vector<out_event> events;
    int64_t split_invoices = 0, emptied_invoices = 0, guest_invoices = 0;
    for (const auto& inv : invoices) {
      std::vector<line_item> lines;
      for (const auto& l : inv.lines) {
        if (l.quantity > 0) lines.push_back({l.code, static_cast<int32_t>(l.quantity), l.pence});
      }
      if (lines.empty()) {
        ++emptied_invoices;
        continue;
      }
      if (inv.customer.empty()) ++guest_invoices;
      if (lines.size() > limits::max_items_per_event) ++split_invoices;
      for (std::size_t start = 0, part = 1; start < lines.size(); start += limits::max_items_per_event, ++part) {
        event ev;
        ev.type = event_type::purchase;
        ev.id = "inv-" + inv.number + (part > 1 ? "-" + std::to_string(part) : "");
        ev.ts_ms = inv.ts;
        ev.uid = inv.customer.empty() ? "g-" + inv.number : "c-" + inv.customer;
        ev.order_id = inv.number;
        ev.currency = "GBP";
        const std::size_t end = std::min(lines.size(), start + limits::max_items_per_event);
        ev.lines.assign(lines.begin() + static_cast<std::ptrdiff_t>(start),
                        lines.begin() + static_cast<std::ptrdiff_t>(end));
        events.push_back({ev.ts_ms, ev.id, encode_event(ev)});
      }
    }
    std::sort(events.begin(), events.end(),
              [](const out_event& a, const out_event& b) { return a.ts != b.ts ? a.ts < b.ts : a.id < b.id; });
    std::string events_text;
    for (const auto& e : events) events_text += e.text + "\n";

    json m;
    m["source"] = "UCI Online Retail (Chen, 2015), https://doi.org/10.24432/C5BW33, CC BY 4.0";
    m["importer"] = "tailor import-online-retail";
    m["format"] = 1;
    m["rows"] = rows;
    m["products"] = products.size();
    m["customers"] = customers.size();
    m["countries"] = countries.size();
    m["invoices"] = invoices.size();
    m["invoices_guest"] = guest_invoices;
    m["invoices_emptied_by_cancellations"] = emptied_invoices;
    m["invoices_split"] = split_invoices;
    m["purchase_events"] = events.size();
    m["cancellation_lines_matched"] = matched_lines;
    m["cancellation_lines_unmatched"] = unmatched_lines;
    m["cancelled_units_matched"] = cancelled_units;
    m["cancelled_units_unmatched"] = unmatched_units;
    m["skipped_lines"] = skipped;
    m["categories"] = category_counts;
    m["include_guests"] = opt.include_guests;
    retail_store out;
    out.catalog_jsonl = std::move(catalog);
    out.events_jsonl = std::move(events_text);
    out.manifest_json = m.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
    return out;
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor::cli
