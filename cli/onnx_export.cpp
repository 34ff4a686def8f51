// ONNX export of the learned ranker (libonnx-dev + libprotobuf-dev): a graph
// features[N,F] -> MatMul(W[F,1]) -> Add(b[1]) -> Sigmoid -> score[N,1] (logistic), or
// features -> Gemm(W1[H,F]ᵀ, b1) -> Relu -> Gemm(W2[1,H]ᵀ, b2) -> Sigmoid (MLP).
#include "onnx_export.hpp"

#ifdef TAILOR_HAVE_ONNX
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <fstream>

namespace tailor::cli {

bool export_ranker_onnx(const ranker_model& r, const std::vector<uint32_t>& columns, const std::string& path,
                        std::string& err) {
  const auto width = static_cast<int64_t>(columns.size());
  // The model's weights of the kept columns: W [width] (logistic) or W1 [hidden x width].
  std::vector<float> kept;
  for (uint32_t j = 0; j < std::max<uint32_t>(r.hidden_units, 1); ++j) {
    const std::vector<float>& w = r.hidden_units ? r.hidden_weights : r.weights;
    for (uint32_t c : columns) kept.push_back(w[static_cast<std::size_t>(j) * ranker_feature_count + c]);
  }
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("tailor");
  model.set_producer_version("0.1.0");
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);
  auto* g = model.mutable_graph();
  g->set_name("tailor_ranker");
  auto tensor_type = [](onnx::ValueInfoProto* v, const char* name, bool dynamic_rows, int64_t cols) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto_DataType_FLOAT);
    auto* shape = t->mutable_shape();
    auto* d0 = shape->add_dim();
    if (dynamic_rows) d0->set_dim_param("N");
    auto* d1 = shape->add_dim();
    d1->set_dim_value(cols);
  };
  tensor_type(g->add_input(), "features", true, width);
  tensor_type(g->add_output(), "score", true, 1);
  auto initializer = [&](const char* name, std::initializer_list<int64_t> dims, const std::vector<float>& values) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto_DataType_FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    for (float v : values) t->add_float_data(v);
  };
  auto node = [&](const char* op, std::initializer_list<const char*> in, const char* out) {
    auto* n = g->add_node();
    n->set_op_type(op);
    for (const char* i : in) n->add_input(i);
    n->add_output(out);
    return n;
  };
  if (r.hidden_units == 0) {
    initializer("W", {width, 1}, kept);
    initializer("B", {1}, {r.bias});
    node("MatMul", {"features", "W"}, "z0");
    node("Add", {"z0", "B"}, "z");
  } else {
    // Gemm with transB: W1 is stored hidden x features, as the core holds it.
    const int64_t h = r.hidden_units;
    initializer("W1", {h, width}, kept);
    initializer("B1", {h}, r.hidden_bias);
    initializer("W2", {1, h}, r.weights);
    initializer("B2", {1}, {r.bias});
    auto gemm_transposed = [&](const char* in, const char* w, const char* b, const char* out) {
      auto* attr = node("Gemm", {in, w, b}, out)->add_attribute();
      attr->set_name("transB");
      attr->set_type(onnx::AttributeProto_AttributeType_INT);
      attr->set_i(1);
    };
    gemm_transposed("features", "W1", "B1", "h0");
    node("Relu", {"h0"}, "h");
    gemm_transposed("h", "W2", "B2", "z");
  }
  node("Sigmoid", {"z"}, "score");
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f || !model.SerializeToOstream(&f)) {
    err = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace tailor::cli

#else

namespace tailor::cli {
bool export_ranker_onnx(const ranker_model&, const std::vector<uint32_t>&, const std::string&, std::string& err) {
  err = "this tailor was built without libonnx-dev (see scripts/apt-packages.txt)";
  return false;
}
}  // namespace tailor::cli

#endif
