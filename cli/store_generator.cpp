#include "store_generator.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "common/det_math.hpp"
#include "prng.hpp"
#include "tailor/event.hpp"

namespace tailor::cli {
namespace {

using json = nlohmann::json;

struct leaf_spec {
  const char* path;  // "Department>Category>Subcategory"
  std::vector<const char*> nouns;
  double base_price;  // major units, for a mid-tier brand
  std::vector<const char*> materials;
  std::vector<const char*> tags;
  bool sized;  // clothing and shoes carry a size attribute
};

// The store's category tree: 44 leaves in 9 departments.
std::vector<leaf_spec> leaf_specs() {
  return {
      {"Home & Kitchen>Cookware>Frying Pans", {"Frying Pan", "Skillet", "Griddle Pan", "Wok"}, 34.99,
       {"Cast Iron", "Stainless Steel", "Non-Stick", "Carbon Steel"}, {"cooking"}, false},
      {"Home & Kitchen>Cookware>Saucepans", {"Saucepan", "Stockpot", "Milk Pan", "Casserole Dish"}, 29.99,
       {"Stainless Steel", "Enamelled Cast Iron", "Copper", "Non-Stick"}, {"cooking"}, false},
      {"Home & Kitchen>Tableware>Mugs & Cups", {"Mug", "Teacup & Saucer", "Espresso Cup", "Travel Mug"}, 9.99,
       {"Ceramic", "Porcelain", "Stoneware", "Enamel"}, {"tea-and-coffee"}, false},
      {"Home & Kitchen>Tableware>Plates & Bowls", {"Dinner Plate", "Side Plate", "Serving Bowl", "Pasta Bowl"},
       12.99, {"Stoneware", "Porcelain", "Bamboo", "Melamine"}, {"dining"}, false},
      {"Home & Kitchen>Kitchen Storage", {"Storage Jar", "Lunch Box", "Bread Bin", "Spice Rack"}, 14.99,
       {"Glass", "Bamboo", "Tin", "Recycled Plastic"}, {"storage"}, false},
      {"Home & Kitchen>Small Appliances>Coffee Machines",
       {"Espresso Machine", "Filter Coffee Maker", "Bean-to-Cup Machine", "Milk Frother"}, 129.0,
       {"Stainless Steel", "Matte"}, {"tea-and-coffee", "appliance"}, false},
      {"Home & Kitchen>Small Appliances>Kettles & Toasters", {"Kettle", "2-Slice Toaster", "4-Slice Toaster"},
       39.0, {"Stainless Steel", "Matte", "Retro"}, {"appliance"}, false},
      {"Home & Kitchen>Home Decor>Candles & Holders", {"Scented Candle", "T-Light Holder", "Lantern", "Candle Set"},
       12.0, {"Glass", "Soy Wax", "Metal", "Ceramic"}, {"gift", "cosy"}, false},
      {"Home & Kitchen>Home Decor>Cushions & Throws", {"Cushion Cover", "Throw", "Cushion", "Blanket"}, 24.0,
       {"Cotton", "Wool", "Linen", "Velvet"}, {"cosy"}, false},
      {"Home & Kitchen>Home Decor>Wall Art & Clocks", {"Wall Clock", "Framed Print", "Mirror", "Photo Frame"}, 35.0,
       {"Oak", "Metal", "Rattan", "Walnut"}, {"gift"}, false},
      {"Fashion>Women>Dresses", {"Midi Dress", "Wrap Dress", "Maxi Dress", "Shirt Dress"}, 49.0,
       {"Cotton", "Linen", "Viscose", "Silk"}, {"womenswear"}, true},
      {"Fashion>Women>Tops", {"Blouse", "T-Shirt", "Knit Jumper", "Cardigan"}, 29.0,
       {"Organic Cotton", "Merino", "Linen", "Cashmere Blend"}, {"womenswear"}, true},
      {"Fashion>Women>Shoes", {"Ankle Boots", "Trainers", "Ballet Flats", "Sandals"}, 69.0,
       {"Leather", "Suede", "Canvas", "Recycled Knit"}, {"womenswear", "shoes"}, true},
      {"Fashion>Men>Shirts", {"Oxford Shirt", "Flannel Shirt", "Linen Shirt", "Polo Shirt"}, 39.0,
       {"Cotton", "Linen", "Organic Cotton", "Flannel"}, {"menswear"}, true},
      {"Fashion>Men>Jackets", {"Rain Jacket", "Denim Jacket", "Puffer Jacket", "Wool Overcoat"}, 119.0,
       {"Recycled Nylon", "Denim", "Wool", "Waxed Cotton"}, {"menswear", "outerwear"}, true},
      {"Fashion>Men>Shoes", {"Leather Boots", "Running Trainers", "Derby Shoes", "Canvas Sneakers"}, 79.0,
       {"Leather", "Suede", "Canvas", "Mesh"}, {"menswear", "shoes"}, true},
      {"Fashion>Accessories>Bags", {"Tote Bag", "Backpack", "Crossbody Bag", "Weekend Bag"}, 45.0,
       {"Leather", "Canvas", "Recycled Nylon", "Vegan Leather"}, {"accessories"}, false},
      {"Fashion>Accessories>Jewellery", {"Necklace", "Earrings", "Bracelet", "Ring"}, 35.0,
       {"Sterling Silver", "Gold Plated", "Rose Gold", "Pearl"}, {"accessories", "gift"}, false},
      {"Electronics>Audio>Headphones",
       {"Wireless Headphones", "Noise-Cancelling Headphones", "Earbuds", "Sports Earphones"}, 89.0,
       {"Matte", "Gloss", "Aluminium"}, {"audio", "wireless"}, false},
      {"Electronics>Audio>Speakers", {"Bluetooth Speaker", "Smart Speaker", "Soundbar", "Portable Speaker"}, 99.0,
       {"Fabric", "Aluminium", "Rugged"}, {"audio", "wireless"}, false},
      {"Electronics>Computing>Laptops", {"13-inch Laptop", "15-inch Laptop", "Ultrabook", "Chromebook"}, 799.0,
       {"Aluminium", "Carbon Fibre", "Magnesium"}, {"computing"}, false},
      {"Electronics>Computing>Accessories",
       {"Wireless Mouse", "Mechanical Keyboard", "USB-C Hub", "Laptop Stand", "Webcam"}, 39.0,
       {"Aluminium", "Matte", "Recycled Plastic"}, {"computing", "work-from-home"}, false},
      {"Electronics>Phones>Cases & Chargers",
       {"Phone Case", "Fast Charger", "Power Bank", "Charging Cable", "Screen Protector"}, 19.0,
       {"Silicone", "Leather", "Braided", "Clear"}, {"phone"}, false},
      {"Electronics>Smart Home", {"Smart Plug", "Smart Bulb", "Video Doorbell", "Thermostat", "Security Camera"},
       49.0, {"Matte", "Gloss"}, {"smart-home", "wireless"}, false},
      {"Beauty>Skincare", {"Moisturiser", "Serum", "Cleanser", "Face Mask", "Eye Cream"}, 24.0,
       {"Vitamin C", "Hyaluronic", "Retinol", "Aloe", "Fragrance-Free"}, {"skincare"}, false},
      {"Beauty>Makeup", {"Lipstick", "Mascara", "Foundation", "Eyeshadow Palette", "Blush"}, 18.0,
       {"Matte", "Satin", "Long-Wear", "Sheer"}, {"makeup"}, false},
      {"Beauty>Fragrance", {"Eau de Parfum", "Eau de Toilette", "Body Mist"}, 59.0,
       {"Floral", "Citrus", "Woody", "Amber"}, {"fragrance", "gift"}, false},
      {"Beauty>Hair Care", {"Shampoo", "Conditioner", "Hair Oil", "Hair Dryer", "Straightener"}, 16.0,
       {"Argan", "Coconut", "Keratin", "Ionic"}, {"haircare"}, false},
      {"Sports & Outdoors>Fitness", {"Yoga Mat", "Dumbbell Set", "Resistance Bands", "Kettlebell", "Foam Roller"},
       29.0, {"Cork", "Neoprene", "Cast Iron", "Natural Rubber"}, {"fitness", "home-gym"}, false},
      {"Sports & Outdoors>Running", {"Running Shoes", "Running Shorts", "Running Vest", "Hydration Belt"}, 55.0,
       {"Mesh", "Recycled Polyester", "Lightweight", "Reflective"}, {"running", "fitness"}, true},
      {"Sports & Outdoors>Camping", {"Tent", "Sleeping Bag", "Camping Stove", "Head Torch", "Camping Chair"}, 79.0,
       {"Ripstop", "Lightweight", "Aluminium", "Waterproof"}, {"camping", "outdoor"}, false},
      {"Sports & Outdoors>Cycling", {"Bike Helmet", "Bike Lights", "Cycling Jersey", "Bike Lock"}, 45.0,
       {"Reflective", "Carbon", "Aluminium", "Breathable"}, {"cycling", "outdoor"}, false},
      {"Toys & Games>Building Sets", {"Building Blocks Set", "Marble Run", "Construction Kit"}, 34.0,
       {"Wooden", "Magnetic", "Classic"}, {"kids", "stem"}, false},
      {"Toys & Games>Board Games", {"Board Game", "Card Game", "Jigsaw Puzzle", "Strategy Game"}, 24.0,
       {"Family", "Party", "Classic", "Travel"}, {"games", "gift"}, false},
      {"Toys & Games>Dolls & Soft Toys", {"Soft Toy", "Doll", "Dolls House", "Teddy Bear"}, 19.0,
       {"Organic Cotton", "Plush", "Wooden", "Knitted"}, {"kids", "gift"}, false},
      {"Toys & Games>Arts & Crafts", {"Paint Set", "Craft Kit", "Colouring Book", "Modelling Clay"}, 14.0,
       {"Watercolour", "Acrylic", "Eco", "Glitter"}, {"kids", "creative"}, false},
      {"Books>Fiction", {"Novel", "Thriller", "Fantasy Saga", "Short Stories"}, 9.0,
       {"Paperback", "Hardback"}, {"reading"}, false},
      {"Books>Cookery", {"Cookbook", "Baking Book", "Vegetarian Cookbook"}, 22.0, {"Hardback", "Paperback"},
       {"reading", "cooking"}, false},
      {"Books>Children's Books", {"Picture Book", "Activity Book", "Bedtime Stories"}, 8.0,
       {"Board Book", "Paperback", "Hardback"}, {"reading", "kids"}, false},
      {"Garden>Plants & Pots", {"Plant Pot", "Planter", "Hanging Basket", "Seed Kit"}, 19.0,
       {"Terracotta", "Ceramic", "Zinc", "Recycled Plastic"}, {"gardening"}, false},
      {"Garden>Garden Tools", {"Pruning Shears", "Hand Trowel", "Watering Can", "Garden Hose", "Gardening Gloves"},
       21.0, {"Stainless Steel", "Galvanised", "Ash Wood", "Carbon Steel"}, {"gardening"}, false},
      {"Garden>Outdoor Living", {"Garden Chair", "Parasol", "Fire Pit", "String Lights", "Bird Feeder"}, 59.0,
       {"Acacia", "Rattan", "Steel", "Solar"}, {"outdoor", "summer"}, false},
      {"Pet Supplies>Dogs", {"Dog Bed", "Dog Lead", "Chew Toy", "Dog Bowl", "Dog Coat"}, 24.0,
       {"Waterproof", "Orthopaedic", "Natural Rubber", "Stainless Steel"}, {"pets", "dogs"}, false},
      {"Pet Supplies>Cats", {"Cat Scratcher", "Cat Bed", "Cat Toy", "Litter Tray"}, 19.0,
       {"Sisal", "Plush", "Felt", "Recycled Plastic"}, {"pets", "cats"}, false},
  };
}

const std::vector<const char*> colours = {"Black", "White", "Navy", "Sage", "Terracotta", "Charcoal",
                                          "Cream", "Blush Pink", "Ocean Blue", "Forest Green", "Mustard",
                                          "Grey", "Red", "Oat"};
const std::vector<const char*> adjectives = {"Classic", "Everyday", "Premium", "Essential", "Vintage",
                                             "Modern", "Compact", "Deluxe", "Eco", "Pro", "Signature"};
const std::vector<const char*> clothing_sizes = {"XS", "S", "M", "L", "XL"};
const std::vector<const char*> shoe_sizes = {"36", "37", "38", "39", "40", "41", "42", "43", "44", "45"};
const std::vector<const char*> brand_heads = {"Nor", "Kes", "Lu", "Ar", "Bel", "Cal", "Dun", "El", "Fen",
                                              "Hal", "Mar", "Ox", "Pel", "Rav", "Sol", "Tam", "Vel", "Wyn",
                                              "Ash", "Bram", "Cor", "Eve", "Fal", "Hol"};
const std::vector<const char*> brand_tails = {"vale", "trel", "men", "bor", "ford", "ix", "wick", "ora",
                                              "stone", "ley", "ton", "ion", "mere", "wood", "by", "ling"};
const std::vector<const char*> brand_suffixes = {"", "", "", " & Co", " Studio", " Goods", " Works", " Home"};
// Relative traffic per hour of day (UTC), evenings busiest.
constexpr std::array<double, 24> hour_weights = {2, 1, 1, 0.5, 0.5, 0.5, 1, 2, 3, 4, 4, 5,
                                                 6, 5, 5, 5, 5, 6, 7, 9, 10, 9, 7, 4};

struct brand {
  std::string name;
  std::size_t department;
  double tier;  // price multiplier: < 1 budget, > 1 premium
};

struct gen_item {
  std::string id;
  std::string title;
  std::size_t leaf;
  std::size_t brand;
  int64_t price_minor;
  double popularity;
  std::string noun;
  std::string colour;
};

struct leaf_index {
  std::vector<std::size_t> items;  // indices into the item list
  std::vector<double> cumulative;  // cumulative popularity, for weighted draws
};

std::string lower(std::string s) {
  for (auto& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::string slug(const std::string& s) {
  std::string out;
  for (char c : lower(s)) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out += c;
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::vector<std::string> split_path(const char* path) {
  std::vector<std::string> out(1);
  for (const char* p = path; *p; ++p) {
    if (*p == '>') out.emplace_back();
    else out.back() += *p;
  }
  return out;
}

// Rounds a price to a shop-like ending: .99 under 100, whole pounds - 1p above.
int64_t shop_price(double major, double scale) {
  if (major < 1.0) major = 1.0;
  int64_t whole = static_cast<int64_t>(major);
  if (major >= 100.0) whole = (whole / 5) * 5 + 5;
  const int64_t minor = whole * static_cast<int64_t>(scale) - (scale > 1 ? 1 : 0);
  return minor < 1 ? 1 : minor;
}

std::size_t draw(prng& r, const std::vector<double>& cumulative) {
  const double x = r.unit() * cumulative.back();
  auto it = std::upper_bound(cumulative.begin(), cumulative.end(), x);
  auto i = static_cast<std::size_t>(it - cumulative.begin());
  return i < cumulative.size() ? i : cumulative.size() - 1;
}

std::string hex_id(prng& r, int digits) {
  static constexpr char hexd[] = "0123456789abcdef";
  std::string s;
  uint64_t x = r.next();
  for (int i = 0; i < digits; ++i, x >>= 4) s += hexd[x & 15];
  return s;
}

std::string padded(uint64_t n, int width) {
  std::string s = std::to_string(n);
  if (static_cast<int>(s.size()) < width) s.insert(0, static_cast<std::size_t>(width) - s.size(), '0');
  return s;
}

struct shopper_profile {
  std::vector<std::size_t> leaves;  // favourite leaves
  std::vector<double> leaf_weights;
  std::size_t fav_brand = SIZE_MAX;
  double budget = 1.0;      // preferred brand tier
  double propensity = 1.0;  // conversion multiplier
  bool account = false;
};

class store_builder {
 public:
  explicit store_builder(const generate_options& opt) : opt_(opt), root_(opt.seed) {}

  generated_store run() {
    build_catalog();
    simulate_shoppers();
    generated_store out;
    out.catalog_jsonl = catalog_jsonl();
    out.events_jsonl = events_jsonl();
    out.manifest_json = manifest();
    return out;
  }

 private:
  static double scale() { return 100.0; }

  void build_catalog() {
    specs_ = leaf_specs();
    prng r = root_.fork(1);
    // Departments in tree order.
    for (const auto& s : specs_) {
      auto path = split_path(s.path);
      paths_.push_back(path);
      auto it = std::find(departments_.begin(), departments_.end(), path[0]);
      leaf_department_.push_back(static_cast<std::size_t>(it - departments_.begin()));
      if (it == departments_.end()) departments_.push_back(path[0]);
    }
    // Brands: 6-10 per department, unique names, tiers from budget to premium.
    std::set<std::string> used;
    for (std::size_t d = 0; d < departments_.size(); ++d) {
      const int n = static_cast<int>(r.between(6, 10));
      for (int k = 0; k < n; ++k) {
        std::string name;
        do {
          name = std::string(r.pick(brand_heads)) + r.pick(brand_tails) + r.pick(brand_suffixes);
        } while (!used.insert(name).second);
        const double tier = 0.6 + 1.2 * (static_cast<double>(k) / (n - 1)) + 0.1 * r.normalish();
        brands_.push_back({name, d, tier < 0.5 ? 0.5 : tier});
        dept_brands_.resize(departments_.size());
        dept_brands_[d].push_back(brands_.size() - 1);
      }
    }
    // Leaf sizes: popular leaves hold more items.
    std::vector<double> leaf_share(specs_.size());
    for (auto& w : leaf_share) w = 0.5 + r.unit();
    leaves_.resize(specs_.size());
    for (uint32_t i = 0; i < opt_.items; ++i) {
      const std::size_t leaf = i < specs_.size() ? i : r.weighted(leaf_share);
      make_item(r, i, leaf);
    }
    // Popularity: a Zipf-like curve within each leaf, over a random order.
    for (auto& li : leaves_) {
      std::vector<std::size_t> order = li.items;
      r.shuffle(order);
      for (std::size_t rank = 0; rank < order.size(); ++rank) {
        items_[order[rank]].popularity = detail::det_exp(-1.1 * detail::det_log(rank + 1.0));
      }
      double acc = 0;
      for (auto idx : li.items) {
        acc += items_[idx].popularity;
        li.cumulative.push_back(acc);
      }
    }
    for (const auto& li : leaves_) leaf_traffic_.push_back(li.cumulative.empty() ? 0 : li.cumulative.back());
    leaf_cumulative_ = cumulative(leaf_traffic_);
    // Bestsellers: the top 5% by popularity (ties by index).
    std::vector<std::size_t> order(items_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return items_[a].popularity != items_[b].popularity ? items_[a].popularity > items_[b].popularity : a < b;
    });
    for (std::size_t k = 0; k < order.size() / 20; ++k) bestseller_.insert(order[k]);
    // Attributes and tags need the popularity, so the JSON is made last.
    prng t = root_.fork(2);
    for (std::size_t i = 0; i < items_.size(); ++i) catalog_lines_.push_back(item_json(t, i));
  }

  void make_item(prng& r, uint32_t index, std::size_t leaf) {
    const auto& s = specs_[leaf];
    const auto& dbrands = dept_brands_[leaf_department_[leaf]];
    const std::size_t b = dbrands[r.below(dbrands.size())];
    gen_item it;
    it.id = "sku-" + padded(index + 1, 5);
    it.leaf = leaf;
    it.brand = b;
    it.noun = r.pick(s.nouns);
    std::string material = r.pick(s.materials);
    it.colour = r.pick(colours);
    const bool adjective = r.chance(0.35);
    it.title = brands_[b].name + " " + (adjective ? std::string(r.pick(adjectives)) + " " : "") + material +
               " " + it.noun + ", " + it.colour;
    const double noise = detail::det_exp(0.25 * r.normalish());
    it.price_minor = shop_price(s.base_price * brands_[b].tier * noise, scale());
    materials_.push_back(material);
    adjective_eco_.push_back(adjective && it.title.find(" Eco ") != std::string::npos);
    leaves_[leaf].items.push_back(items_.size());
    items_.push_back(std::move(it));
  }

  std::string item_json(prng& r, std::size_t i) {
    const auto& it = items_[i];
    const auto& s = specs_[it.leaf];
    json j;
    j["id"] = it.id;
    j["title"] = it.title;
    j["category"] = paths_[it.leaf];
    j["brand"] = brands_[it.brand].name;
    j["price"] = static_cast<double>(it.price_minor) / scale();
    j["currency"] = opt_.currency;
    // Stock: 4% sold out, otherwise more for popular items.
    const int64_t stock = r.chance(0.04) ? 0 : 1 + static_cast<int64_t>(it.popularity * 400 * r.unit()) +
                                                  r.between(0, 40);
    j["stock"] = stock;
    std::vector<std::string> tags;
    for (const char* t : s.tags) tags.push_back(t);
    tags.push_back(slug(materials_[i]));
    tags.push_back(slug(it.colour));
    const std::string m = lower(materials_[i]);
    if (adjective_eco_[i] || m.find("recycled") != std::string::npos || m.find("organic") != std::string::npos ||
        m.find("bamboo") != std::string::npos) {
      tags.push_back("eco");
    }
    if (bestseller_.count(i)) tags.push_back("bestseller");
    if (r.chance(0.08)) tags.push_back("new");
    const bool on_sale = r.chance(0.12);
    if (on_sale) tags.push_back("sale");
    std::vector<std::string> distinct;
    for (auto& t : tags) {
      if (std::find(distinct.begin(), distinct.end(), t) == distinct.end()) distinct.push_back(t);
    }
    j["tags"] = distinct;
    json attrs = json::object();
    attrs["colour"] = it.colour;
    attrs["material"] = materials_[i];
    // Ratings cluster around 4.2; more reviews for popular items.
    double rating = 4.2 + 0.35 * r.normalish();
    rating = rating > 5.0 ? 5.0 : rating < 2.5 ? 2.5 : rating;
    attrs["rating"] = std::to_string(static_cast<int>(rating * 10 + 0.5) / 10) + "." +
                      std::to_string(static_cast<int>(rating * 10 + 0.5) % 10);
    attrs["reviews"] = std::to_string(static_cast<int64_t>(it.popularity * 900 * r.unit()) + r.between(0, 12));
    if (on_sale) {
      const int64_t was = it.price_minor * (120 + r.between(0, 30)) / 100;
      attrs["was_price"] = format_minor(was);
    }
    if (s.sized) {
      const bool shoes = it.noun.find("Shoe") != std::string::npos || it.noun.find("Boot") != std::string::npos ||
                         it.noun.find("Trainer") != std::string::npos || it.noun.find("Sneaker") != std::string::npos ||
                         it.noun == "Sandals" || it.noun == "Loafers" || it.noun == "Ballet Flats";
      std::string sizes;
      for (const char* z : shoes ? shoe_sizes : clothing_sizes) sizes += (sizes.empty() ? "" : "|") + std::string(z);
      attrs["sizes"] = sizes;
    }
    j["attributes"] = attrs;
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
  }

  static std::string format_minor(int64_t minor) {
    return std::to_string(minor / 100) + "." + padded(static_cast<uint64_t>(minor % 100), 2);
  }

  // ---- shoppers and sessions ----

  shopper_profile make_profile(prng& r) {
    shopper_profile p;
    // One or two favourite departments, two to four favourite leaves in them.
    const std::size_t main_dept = leaf_department_[draw(r, leaf_cumulative_)];
    std::vector<std::size_t> pool;
    for (std::size_t l = 0; l < specs_.size(); ++l) {
      if (leaf_department_[l] == main_dept && !leaves_[l].items.empty()) pool.push_back(l);
    }
    if (r.chance(0.45)) {
      const std::size_t second = r.below(departments_.size());
      for (std::size_t l = 0; l < specs_.size(); ++l) {
        if (leaf_department_[l] == second && second != main_dept && !leaves_[l].items.empty()) pool.push_back(l);
      }
    }
    r.shuffle(pool);
    const std::size_t n = std::min<std::size_t>(pool.size(), static_cast<std::size_t>(r.between(2, 4)));
    for (std::size_t k = 0; k < n; ++k) {
      p.leaves.push_back(pool[k]);
      p.leaf_weights.push_back(1.0 / static_cast<double>(k + 1));
    }
    if (r.chance(0.4)) p.fav_brand = r.pick(dept_brands_[main_dept]);
    p.budget = 0.6 + 1.2 * r.unit();
    p.propensity = 0.4 + 1.2 * r.unit();
    p.account = r.chance(0.35);
    return p;
  }

  static std::vector<double> cumulative(const std::vector<double>& w) {
    std::vector<double> c;
    double acc = 0;
    for (double x : w) c.push_back(acc += x);
    return c;
  }

  // How much this shopper likes an item: brand, price tier and category fit.
  double appeal(const shopper_profile& p, std::size_t i) const {
    const auto& it = items_[i];
    double a = it.popularity + 0.05;
    if (it.brand == p.fav_brand) a *= 3.0;
    const double gap = brands_[it.brand].tier - p.budget;
    a *= gap > 0.5 ? 0.35 : gap < -0.6 ? 0.7 : 1.3;
    if (std::find(p.leaves.begin(), p.leaves.end(), it.leaf) != p.leaves.end()) a *= 1.4;
    return a;
  }

  // k distinct items of a leaf, drawn by popularity.
  std::vector<std::size_t> shelf(prng& r, std::size_t leaf, std::size_t k) {
    const auto& li = leaves_[leaf];
    std::vector<std::size_t> out;
    k = std::min(k, li.items.size());
    for (int tries = 0; out.size() < k && tries < 200; ++tries) {
      const std::size_t idx = li.items[draw(r, li.cumulative)];
      if (std::find(out.begin(), out.end(), idx) == out.end()) out.push_back(idx);
    }
    return out;
  }

  struct session_state {
    std::string uid;
    int64_t ts = 0;
    uint64_t shopper = 0;
    int session = 0;
    int seq = 0;
    std::vector<std::pair<std::size_t, int32_t>> cart;  // item, quantity
  };

  void emit(session_state& s, event ev) {
    ev.id = "e-" + padded(s.shopper, 6) + "-" + std::to_string(s.session) + "-" + std::to_string(s.seq++);
    ev.uid = s.uid;
    ev.ts_ms = s.ts;
    ++counts_[std::string(event_type_name(ev.type))];
    events_.push_back({ev.ts_ms, ev.id, encode_event(ev)});
  }

  void advance(prng& r, session_state& s, int lo_s, int hi_s) { s.ts += 1000 * r.between(lo_s, hi_s) + r.between(0, 999); }

  void simulate_shoppers() {
    prng base = root_.fork(3);
    for (uint32_t n = 0; n < opt_.shoppers; ++n) {
      prng r = base.fork(n);
      const shopper_profile p = make_profile(r);
      const int sessions = 1 + r.geometric(0.45, 24);
      std::vector<int64_t> starts;
      for (int k = 0; k < sessions; ++k) {
        const int64_t day = static_cast<int64_t>(r.below(static_cast<uint64_t>(opt_.days)));
        const auto hour = static_cast<int64_t>(r.weighted({hour_weights.begin(), hour_weights.end()}));
        starts.push_back(opt_.end_ms - static_cast<int64_t>(opt_.days) * 86400000 + day * 86400000 +
                         hour * 3600000 + r.between(0, 3599999));
      }
      std::sort(starts.begin(), starts.end());
      const std::string anon = "a-" + hex_id(r, 12);
      const std::string customer = "c-" + padded(n + 1, 6);
      for (int k = 0; k < sessions; ++k) {
        session_state s;
        s.shopper = n + 1;
        s.session = k;
        s.ts = starts[static_cast<std::size_t>(k)];
        s.uid = p.account && k > 0 ? customer : anon;
        ++sessions_;
        if (k == 0) {
          event c;
          c.type = event_type::consent;
          c.consent = {true, r.chance(0.88), r.chance(0.45)};
          emit(s, c);
          advance(r, s, 1, 5);
        }
        run_session(r, p, s, k == 0 && p.account ? customer : std::string());
      }
    }
  }

  // One visit: entry by search or category, then browse, cart, maybe buy.
  // `sign_in_as` is set when the shopper logs in during this visit.
  void run_session(prng& r, const shopper_profile& p, session_state& s, const std::string& sign_in_as) {
    std::size_t leaf = r.chance(0.8) ? p.leaves[r.weighted(p.leaf_weights)] : draw(r, leaf_cumulative_);
    std::vector<std::size_t> shown;
    std::string slot;
    auto land = [&](bool search) {
      if (search) {
        const auto& hint = items_[leaves_[leaf].items[r.below(leaves_[leaf].items.size())]];
        std::string q = lower(hint.noun);
        if (r.chance(0.3)) q = lower(hint.colour) + " " + q;
        else if (r.chance(0.15)) q = lower(brands_[hint.brand].name) + " " + q;
        event e;
        e.type = event_type::search;
        e.query = q;
        emit(s, e);
        advance(r, s, 1, 4);
        slot = "search";
        shown = shelf(r, leaf, 8);
      } else {
        slot = "category-grid";
        shown = shelf(r, leaf, 12);
      }
      event imp;
      imp.type = event_type::impression;
      imp.slot = slot;
      for (auto i : shown) imp.item_ids.push_back(items_[i].id);
      emit(s, imp);
      advance(r, s, 3, 25);
    };
    land(r.chance(0.35));
    const int steps = 1 + r.geometric(0.3, 11);
    for (int step = 0; step < steps && !shown.empty(); ++step) {
      std::vector<double> w;
      for (auto i : shown) w.push_back(appeal(p, i));
      const std::size_t pick = shown[r.weighted(w)];
      event click;
      click.type = event_type::click;
      click.item_id = items_[pick].id;
      click.slot = slot;
      emit(s, click);
      advance(r, s, 1, 3);
      event view;
      view.type = event_type::view;
      view.item_id = items_[pick].id;
      emit(s, view);
      advance(r, s, 8, 90);
      const double p_cart = std::min(0.6, 0.07 * appeal(p, pick) / (items_[pick].popularity + 0.05));
      if (r.chance(p_cart)) {
        event add;
        add.type = event_type::add_to_cart;
        add.item_id = items_[pick].id;
        add.quantity = r.chance(0.1) ? 2 : 1;
        emit(s, add);
        s.cart.push_back({pick, add.quantity});
        advance(r, s, 2, 20);
      }
      if (!s.cart.empty() && r.chance(0.05)) {
        const std::size_t k = r.below(s.cart.size());
        event rm;
        rm.type = event_type::remove_from_cart;
        rm.item_id = items_[s.cart[k].first].id;
        rm.quantity = s.cart[k].second;
        emit(s, rm);
        s.cart.erase(s.cart.begin() + static_cast<std::ptrdiff_t>(k));
        advance(r, s, 2, 10);
      }
      // Where next: similar items on the product page, back to the list, or a new search.
      const double x = r.unit();
      if (x < 0.35) {
        slot = "pdp-similar";
        shown = shelf(r, leaf, 6);
        shown.erase(std::remove(shown.begin(), shown.end(), pick), shown.end());
        event imp;
        imp.type = event_type::impression;
        imp.slot = slot;
        for (auto i : shown) imp.item_ids.push_back(items_[i].id);
        if (!imp.item_ids.empty()) emit(s, imp);
        advance(r, s, 2, 10);
      } else if (x < 0.5) {
        leaf = r.chance(0.7) ? p.leaves[r.weighted(p.leaf_weights)] : draw(r, leaf_cumulative_);
        land(r.chance(0.5));
      }
    }
    // Checkout: most carts are abandoned. A shopper with an account signs in
    // during the first visit: at checkout, or before leaving.
    const bool buys = !s.cart.empty() && r.chance(std::min(0.9, 0.26 * p.propensity));
    if (!sign_in_as.empty()) sign_in(r, s, sign_in_as);
    if (!buys) return;
    event buy;
    buy.type = event_type::purchase;
    buy.currency = opt_.currency;
    buy.order_id = "o-" + padded(s.shopper, 6) + "-" + std::to_string(s.session);
    for (const auto& [idx, q] : s.cart) {
      auto same = std::find_if(buy.lines.begin(), buy.lines.end(),
                               [&](const line_item& li) { return li.item_id == items_[idx].id; });
      if (same != buy.lines.end()) same->quantity += q;
      else buy.lines.push_back({items_[idx].id, q, items_[idx].price_minor});
    }
    for (const auto& li : buy.lines) revenue_minor_ += li.price_minor * li.quantity;
    advance(r, s, 30, 180);
    emit(s, buy);
    ++orders_;
  }

  void sign_in(prng& r, session_state& s, const std::string& customer) {
    event id;
    id.type = event_type::identify;
    id.previous_uid = s.uid;
    s.uid = customer;
    emit(s, id);
    advance(r, s, 2, 15);
  }

  std::string catalog_jsonl() const {
    std::string out;
    for (const auto& line : catalog_lines_) out += line + "\n";
    return out;
  }

  std::string events_jsonl() {
    std::sort(events_.begin(), events_.end(), [](const auto& a, const auto& b) {
      return a.ts != b.ts ? a.ts < b.ts : a.id < b.id;
    });
    std::string out;
    for (const auto& e : events_) out += e.line + "\n";
    return out;
  }

  std::string manifest() const {
    json j;
    j["generator"] = "tailor generate";
    j["format"] = 1;
    j["seed"] = opt_.seed;
    j["items"] = opt_.items;
    j["shoppers"] = opt_.shoppers;
    j["days"] = opt_.days;
    j["start_ms"] = opt_.end_ms - static_cast<int64_t>(opt_.days) * 86400000;
    j["end_ms"] = opt_.end_ms;
    j["currency"] = opt_.currency;
    j["categories"] = specs_.size();
    j["departments"] = departments_;
    j["brands"] = brands_.size();
    j["sessions"] = sessions_;
    j["orders"] = orders_;
    j["revenue_minor"] = revenue_minor_;
    j["events"] = events_.size();
    j["event_counts"] = counts_;
    return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  }

  struct event_line {
    int64_t ts;
    std::string id;
    std::string line;
  };

  generate_options opt_;
  prng root_;
  std::vector<leaf_spec> specs_;
  std::vector<std::vector<std::string>> paths_;
  std::vector<std::string> departments_;
  std::vector<std::size_t> leaf_department_;
  std::vector<brand> brands_;
  std::vector<std::vector<std::size_t>> dept_brands_;
  std::vector<gen_item> items_;
  std::vector<std::string> materials_;
  std::vector<bool> adjective_eco_;
  std::vector<leaf_index> leaves_;
  std::vector<double> leaf_traffic_;  // total popularity per leaf; 0 for an empty leaf
  std::vector<double> leaf_cumulative_;
  std::set<std::size_t> bestseller_;
  std::vector<std::string> catalog_lines_;
  std::vector<event_line> events_;
  std::map<std::string, uint64_t> counts_;
  uint64_t sessions_ = 0;
  uint64_t orders_ = 0;
  int64_t revenue_minor_ = 0;
};

}  // namespace

result<generated_store> generate_store(const generate_options& opt) noexcept {
  if (opt.items < 1 || opt.items > max_generated_items) {
    return make_error(errc::invalid_field,
                      "must be between 1 and " + std::to_string(max_generated_items), "--items");
  }
  if (opt.shoppers > max_generated_shoppers) {
    return make_error(errc::invalid_field,
                      "must be between 0 and " + std::to_string(max_generated_shoppers), "--shoppers");
  }
  if (opt.days < 1 || opt.days > max_generated_days) {
    return make_error(errc::invalid_field, "must be between 1 and " + std::to_string(max_generated_days),
                      "--days");
  }
  if (opt.currency != "GBP" && opt.currency != "EUR" && opt.currency != "USD") {
    return make_error(errc::invalid_field, "must be one of GBP, EUR, USD", "--currency");
  }
  try {
    return store_builder(opt).run();
  } catch (const std::exception& e) {
    return make_error(errc::internal, e.what());
  }
}

}  // namespace tailor::cli
