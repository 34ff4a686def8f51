#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tailor/train.hpp"

namespace tailor::cli {
// Writes the ranker as an ONNX model whose input holds the given feature columns
// (indices into the core's features, in that order); false + err when it cannot.
bool export_ranker_onnx(const ranker_model& r, const std::vector<uint32_t>& columns, const std::string& path,
                        std::string& err);
}  // namespace tailor::cli
