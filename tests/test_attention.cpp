// The fused CPU attention kernel computes the composed operators' function: outputs and
// gradients with respect to q, k and v, for every mask shape and both query modes.
#include <gtest/gtest.h>

#include "models/attention.hpp"

namespace htrmrl {
namespace {

constexpr int64_t kBatch = 5, kLength = 7, kDim = 32;

// Additive biases of the shapes the encoder builds, with hidden keys in some rows and one
// row with every key hidden (its output is finite and must still agree).
std::vector<std::pair<std::string, torch::Tensor>> biases() {
  auto mask = torch::ones({kBatch, kLength});
  mask.narrow(0, 0, 2).narrow(1, 0, 3).zero_();
  mask[4].zero_();
  auto key = ((1.0 - mask) * -1e9).view({kBatch, 1, 1, kLength});
  auto causal = key + torch::ones({kLength, kLength}).triu(1) * -1e9;
  return {{"keys", key},
          {"causal", causal},
          {"shared", torch::zeros({1, 1, 1, kLength})}};
}

// Both builds of the kernel: AVX2 (where the CPU has it) and the baseline x86-64 one.
class AttentionBuilds : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { attention_allow_avx2(GetParam()); }
  void TearDown() override { attention_allow_avx2(true); }
};

TEST_P(AttentionBuilds, FusedEqualsComposedForwardAndBackward) {
  SCOPED_TRACE(attention_uses_avx2() ? "avx2" : "baseline");
  for (int64_t heads : {4, 2})  // d_head 8 (the specialised loop) and 16 (the generic one)
    for (bool last_only : {false, true})
      for (const auto& [name, bias] : biases()) {
        const AttentionShape shape{heads, last_only};
        torch::manual_seed(3);
        auto qkv = torch::randn({kBatch, kLength, 3 * kDim}, torch::requires_grad());
        auto upstream = torch::randn({kBatch, last_only ? 1 : kLength, kDim});
        auto composed = attention_composed(qkv, bias, shape);
        auto fused = attention_fused(qkv, bias, shape);
        const std::string where = name + " heads " + std::to_string(heads) +
                                  (last_only ? " last only" : " all queries");
        ASSERT_EQ(fused.sizes(), composed.sizes()) << where;
        EXPECT_TRUE(torch::allclose(fused, composed, 1e-5, 1e-5)) << where;
        auto g_composed = torch::autograd::grad({composed}, {qkv}, {upstream})[0];
        auto g_fused = torch::autograd::grad({fused}, {qkv}, {upstream})[0];
        EXPECT_TRUE(torch::allclose(g_fused, g_composed, 1e-5, 1e-5))
            << where << ": max gradient difference "
            << (g_fused - g_composed).abs().max().item<float>();
      }
}

INSTANTIATE_TEST_SUITE_P(Attention, AttentionBuilds, ::testing::Values(true, false));

// attention() takes the kernel on the CPU; in inference mode it records no graph.
TEST(Attention, InferenceModeEqualsTheComposedForm) {
  torch::manual_seed(4);
  auto qkv = torch::randn({kBatch, kLength, 3 * kDim});
  auto bias = biases()[0].second;
  auto expected = attention_composed(qkv, bias, {4, false});
  c10::InferenceMode inference;
  auto y = attention(qkv, bias, {4, false});
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(torch::allclose(y, expected, 1e-5, 1e-5));
}

// The kernel reads raw float32 memory: other input is refused, not misread; attention()
// sends it to the composed form instead.
TEST(Attention, FusedRefusesNonCpuOrNonFloatInput) {
  auto qkv = torch::randn({2, 3, 3 * kDim}, torch::kDouble);
  auto bias = torch::zeros({2, 1, 1, 3}, torch::kDouble);
  EXPECT_THROW(attention_fused(qkv, bias, {4, false}), c10::Error);
  EXPECT_TRUE(torch::allclose(attention(qkv, bias, {4, false}),
                              attention_composed(qkv, bias, {4, false})));
}

}  // namespace
}  // namespace htrmrl
