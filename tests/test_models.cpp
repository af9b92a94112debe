// The HTrMRL network: shapes, masking, and the two symmetry properties the paper designs in
// (T2 ignores the order of past sequences; T1 does not ignore the order of transitions).
#include <gtest/gtest.h>

#include "models/htrmrl_agent.hpp"

namespace htrmrl {
namespace {

constexpr TokenLayout kLayout{3, 2};
constexpr int kSlots = 4, kSeq = 5;

std::shared_ptr<HTrMRLAgent> make(bool use_state = true) {
  torch::manual_seed(0);
  HTrMRLOptions o;
  o.use_state = use_state;
  auto agent = std::make_shared<HTrMRLAgent>(o, kLayout, kSeq);
  // Break the small output gain so differences in z_task show in the mean.
  torch::NoGradGuard g;
  for (auto& p : agent->named_parameters())
    if (p.key().find("policy") != std::string::npos) p.value().normal_(0, 0.5);
  return agent;
}

// Contexts written one sequence per slot, easy to edit: tokens [B, slots, S, D].
struct Dense {
  torch::Tensor tokens, mask;
  operator Context() const { return dense_context(tokens, mask); }
};

Dense random_context(int64_t batch) {
  torch::manual_seed(42);
  return {torch::randn({batch, kSlots, kSeq, kLayout.size()}), torch::ones({batch, kSlots, kSeq})};
}

// Every encoder variant: each norm placement, causal or not.
template <typename Check>
void for_each_encoder(Check check) {
  for (NormPlacement norm : {NormPlacement::kPre, NormPlacement::kPost, NormPlacement::kNone})
    for (bool causal : {false, true}) {
      SCOPED_TRACE(to_string(norm) + (causal ? " causal" : ""));
      torch::manual_seed(1);
      EncoderOptions o;
      o.norm = norm;
      o.causal = causal;
      check(Encoder(o));
    }
}

// Six sequences of 7 tokens, two of them padded in front (right-aligned sequences).
std::pair<torch::Tensor, torch::Tensor> padded_batch() {
  auto x = torch::randn({6, 7, EncoderOptions{}.d_model});
  auto mask = torch::ones({6, 7});
  mask.narrow(1, 0, 3).narrow(0, 0, 2).zero_();
  return {x, mask};
}

// forward_last is the full stack read at the last position.
TEST(Encoder, ForwardLastEqualsTheLastPositionOfForward) {
  for_each_encoder([](Encoder encoder) {
    const auto [x, mask] = padded_batch();
    auto full = encoder->forward(x, mask).select(1, 6);
    EXPECT_TRUE(torch::allclose(encoder->forward_last(x, mask), full, 1e-5, 1e-5));
  });
}

// Without autograd, blocks on the CPU take forward_inference (row loops around the matrix
// products): the same outputs as the operators autograd records, all positions or the last.
TEST(Encoder, InferencePathEqualsTheAutogradPath) {
  for_each_encoder([](Encoder encoder) {
    // Layer norms away from their identity initialisation, so a misplaced one shows.
    for (auto& p : encoder->named_parameters())
      if (p.key().find("norm") != std::string::npos) p.value().data().normal_(1.0, 0.3);
    const auto [x, mask] = padded_batch();
    auto full = encoder->forward(x, mask), last = encoder->forward_last(x, mask);
    ASSERT_TRUE(full.requires_grad());  // the autograd path, as in the update
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::allclose(encoder->forward(x, mask), full, 1e-5, 1e-5));
    EXPECT_TRUE(torch::allclose(encoder->forward_last(x, mask), last, 1e-5, 1e-5));
  });
}

// The cached way of acting: past summaries given, only the current sequence encoded.
TEST(HTrMRL, SummaryContextEqualsTheFullContext) {
  auto agent = make();
  Dense c = random_context(5);
  c.mask.select(1, 1).narrow(0, 0, 2).zero_();  // an empty past slot in two contexts
  c.mask.select(1, 3).narrow(1, 0, 2).zero_();  // a short current sequence
  const int64_t d = kLayout.size();
  auto past_tokens = c.tokens.narrow(1, 0, kSlots - 1).reshape({-1, kSeq, d});
  auto past_mask = c.mask.narrow(1, 0, kSlots - 1).reshape({-1, kSeq});
  SummaryContext summary{agent->summarize(past_tokens, past_mask).view({5, kSlots - 1, -1}),
                         past_mask.select(1, kSeq - 1).view({5, kSlots - 1}),
                         c.tokens.select(1, kSlots - 1), c.mask.select(1, kSlots - 1)};
  auto full = agent->forward(c), cached = agent->forward(summary);
  EXPECT_TRUE(torch::allclose(cached.mean, full.mean, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(cached.value, full.value, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(agent->embed(summary), agent->embed(c), 1e-5, 1e-6));
}

// The training path on the CPU (fused attention kernel, in-place ReLU) against a reference:
// the same agent in double precision, which takes LibTorch's composed operators. Outputs and
// every parameter's gradient agree, so the kernels change rounding, not what is learned.
TEST(HTrMRL, GradientsEqualTheDoublePrecisionReference) {
  auto agent = make(), reference = make();
  reference->to(torch::kDouble);
  Dense c = random_context(5);
  c.mask.select(1, 1).narrow(0, 0, 2).zero_();  // an empty past slot in two contexts
  c.mask.select(1, 3).narrow(1, 0, 2).zero_();  // a short current sequence
  const Dense c64{c.tokens.to(torch::kDouble), c.mask.to(torch::kDouble)};
  auto loss = [](const PolicyOutput& out) {
    return (out.mean * torch::arange(out.mean.numel()).view_as(out.mean)).sum() +
           out.value.pow(2).sum() + out.log_std.sum();
  };
  auto out = agent->forward(c), out64 = reference->forward(c64);
  EXPECT_TRUE(torch::allclose(out.mean.to(torch::kDouble), out64.mean, 1e-4, 1e-5));
  loss(out).backward();
  loss(out64).backward();
  const auto params = agent->named_parameters(), params64 = reference->named_parameters();
  int compared = 0;
  for (const auto& p : params) {
    const auto& g = p.value().grad();
    const auto& g64 = params64[p.key()].grad();
    ASSERT_EQ(g.defined(), g64.defined()) << p.key();
    if (!g.defined()) continue;
    // Relative to the gradient's norm: float32 sums of 1e2-1e3 terms through BLAS kernels
    // that differ between CPUs (OpenBLAS picks AVX-512 where it can) leave element errors of
    // a few 1e-5 on gradients of order 1, which an element-wise tolerance took for a bug.
    const double error = (g.to(torch::kDouble) - g64).norm().item<double>();
    EXPECT_LT(error, 1e-4 * (g64.norm().item<double>() + 1e-3))
        << p.key() << ": error norm " << error << ", gradient norm " << g64.norm().item<double>();
    ++compared;
  }
  EXPECT_GT(compared, 20);
}

TEST(HTrMRL, OutputShapes) {
  auto agent = make();
  auto out = agent->forward(random_context(7));
  EXPECT_EQ(out.mean.sizes(), (std::vector<int64_t>{7, 2}));
  EXPECT_EQ(out.log_std.sizes(), (std::vector<int64_t>{7, 2}));
  EXPECT_EQ(out.value.sizes(), (std::vector<int64_t>{7}));
  EXPECT_EQ(agent->embed(random_context(7)).sizes(), (std::vector<int64_t>{7, 32}));
}

TEST(HTrMRL, PaddedTokensAndEmptySlotsDoNotMatter) {
  auto agent = make();
  Dense c = random_context(3);
  c.mask.index_put_({torch::indexing::Slice(), torch::indexing::Slice(), torch::indexing::Slice(0, 2)}, 0.0);
  c.mask.index_put_({torch::indexing::Slice(), 0}, 0.0);  // slot 0 empty
  auto before = agent->forward(c).mean;
  // Garbage where the mask is zero changes nothing.
  Dense noisy{c.tokens + (1 - c.mask).unsqueeze(-1) * 50.0 * torch::randn_like(c.tokens), c.mask};
  EXPECT_TRUE(torch::allclose(before, agent->forward(noisy).mean, 1e-5, 1e-6));
  // Real tokens do matter.
  Dense changed{c.tokens.clone(), c.mask};
  changed.tokens.index_put_({torch::indexing::Slice(), 1, 3}, 3.0);
  EXPECT_FALSE(torch::allclose(before, agent->forward(changed).mean, 1e-4, 1e-5));
}

TEST(HTrMRL, T2IsInvariantToTheOrderOfPastSequences) {
  auto agent = make();
  Dense c = random_context(4);
  // Swap past slots 0 and 2; the current sequence stays last.
  auto perm = torch::tensor({2, 1, 0, 3}, torch::kLong);
  Dense swapped{c.tokens.index_select(1, perm), c.mask.index_select(1, perm)};
  EXPECT_TRUE(torch::allclose(agent->forward(c).mean, agent->forward(swapped).mean, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(agent->embed(c), agent->embed(swapped), 1e-5, 1e-6));
}

TEST(HTrMRL, T1IsSensitiveToTheOrderOfTransitions) {
  auto agent = make();
  Dense c = random_context(4);
  // Reverse the first four transitions of a past sequence (the last one stays in place).
  auto perm = torch::tensor({3, 2, 1, 0, 4}, torch::kLong);
  Dense reordered{c.tokens.clone(), c.mask};
  reordered.tokens.select(1, 0).copy_(c.tokens.select(1, 0).index_select(1, perm));
  EXPECT_FALSE(torch::allclose(agent->embed(c), agent->embed(reordered), 1e-4, 1e-5));
}

TEST(HTrMRL, StarVariantSeesTheStateOnlyThroughZTask) {
  // HTrMRL* has no phi2(s) input: its policy input is z_task alone.
  auto star = make(false);
  Dense c = random_context(2);
  auto z = star->embed(c);
  EXPECT_EQ(z.size(1), 32);
  auto out = star->forward(c);
  EXPECT_EQ(out.mean.size(1), 2);
  bool has_phi2 = false;
  for (const auto& p : star->named_parameters()) has_phi2 |= p.key().rfind("phi2", 0) == 0;
  EXPECT_FALSE(has_phi2);
}

TEST(ObsNormalizer, MergesBatchesLikeOnePass) {
  ObsNormalizer norm(3, true);
  auto a = torch::randn({50, 3}) * 3 + 1, b = torch::randn({70, 3}) * 0.5 - 2;
  norm->update(a);
  norm->update(b);
  auto all = torch::cat({a, b});
  auto tokens = torch::randn({5, 3 + 4});
  auto expected = ((tokens.narrow(1, 0, 3) - all.mean(0)) / (all.var(0, false) + 1e-8).sqrt());
  auto got = norm->forward(tokens);
  EXPECT_TRUE(torch::allclose(got.narrow(1, 0, 3), expected, 1e-4, 1e-5));
  EXPECT_TRUE(torch::equal(got.narrow(1, 3, 4), tokens.narrow(1, 3, 4)));
}

TEST(Gaussian, LogProbAndEntropyMatchClosedForms) {
  const DiagonalGaussian gaussian;
  PolicyOutput out{torch::tensor({{0.5f, -1.0f}}), torch::tensor({{std::log(2.0f), 0.0f}}), {}};
  auto lp = gaussian.log_prob(out, torch::tensor({{1.5f, -1.0f}}));
  const double expected = (-0.125 - std::log(2.0) - 0.5 * std::log(2 * M_PI)) +
                          (-0.5 * std::log(2 * M_PI));
  EXPECT_NEAR(lp.item<double>(), expected, 1e-5);
  EXPECT_NEAR(gaussian.entropy(out).item<double>(),
              std::log(2.0) + std::log(2 * M_PI * M_E), 1e-5);
}

// Acting's host-side draw and its log-density agree with the tensor log_prob the update uses;
// the mode is the mean.
TEST(Gaussian, HostDrawsMatchTheTensorLogDensity) {
  const DiagonalGaussian gaussian;
  PolicyOutput out{torch::tensor({{0.5f, -1.0f}, {0.0f, 2.0f}}),
                   torch::tensor({{std::log(2.0f), 0.0f}, {-1.0f, 0.5f}}), {}};
  Rng rng(3);
  float action[2];
  const double lp = gaussian.sample(out, 1, rng, action);
  EXPECT_NEAR(lp,
              gaussian.log_prob(out, torch::tensor({{0.0f, 0.0f}, {action[0], action[1]}}))[1]
                  .item<double>(),
              1e-5);
  const double mode_lp = gaussian.mode(out, 0, action);
  EXPECT_EQ(action[0], 0.5f);
  EXPECT_EQ(action[1], -1.0f);
  EXPECT_NEAR(mode_lp, gaussian.log_prob(out, out.mean)[0].item<double>(), 1e-5);
}

}  // namespace
}  // namespace htrmrl
