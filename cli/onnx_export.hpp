#pragma once

#include <string>

#include "tailor/train.hpp"

namespace tailor::cli {
// Writes the ranker as an ONNX model; false + err when it cannot.
bool export_ranker_onnx(const ranker_model& r, const std::string& path, std::string& err);
}  // namespace tailor::cli
