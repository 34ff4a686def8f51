// Importer for the UCI Online Retail data set (CC BY 4.0): 541,909 invoice
// lines of a UK gift-ware retailer become a Tailor catalog (JSON Lines) and
// purchase events (JSON Lines). Pure: text in, text out.
//
// How the lines are treated (counted in manifest.json):
// - Products are StockCodes beginning with five digits (upper-cased); the rest
//   (POST, DOT, M, BANK CHARGES, gift vouchers, ...) are fees or adjustments.
// - An item's title is its most frequent description (title-cased), its price
//   the most frequent positive unit price (ties: the lower), in GBP; its
//   category path comes from keyword rules over the description; its tags
//   from colour, theme and material words.
// - Each invoice with positive product lines is one purchase event (id
//   "inv-<InvoiceNo>", uid "c-<CustomerID>", or "g-<InvoiceNo>" for a guest
//   without CustomerID unless guests are skipped). Lines with the same
//   product and price are summed; an invoice of more than 200 lines is split
//   into events "inv-<no>", "inv-<no>-2", ... sharing the order_id.
// - Cancellations (InvoiceNo "C...") carry no event of their own: each
//   cancelled quantity is taken back from the same customer's purchases of
//   the same product at or before the cancellation, latest first; lines that
//   reach zero are dropped, and an invoice left empty emits nothing. What
//   cannot be matched (guests, purchases before the data starts) is counted.
// - Lines with quantity <= 0 outside cancellations, a price <= 0, or no
//   description are adjustments (damages, samples) and are skipped.
// - InvoiceDate "YYYY-MM-DD HH:MM" is taken as UTC.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tailor/common.hpp"

namespace tailor::cli {

struct retail_options {
  bool include_guests = true;
};

struct retail_store {
  std::string catalog_jsonl;
  std::string events_jsonl;
  std::string manifest_json;
};

[[nodiscard]] result<retail_store> import_online_retail(std::string_view csv,
                                                         const retail_options& opt) noexcept;

// The category path the keyword rules give a description (exposed for tests
// and for documentation of the rules).
std::vector<std::string> retail_category(std::string_view description);
std::vector<std::string> retail_tags(std::string_view description);
std::string retail_title(std::string_view description);

}  // namespace tailor::cli
