#include "algorithms/update_units.hpp"

#include <atomic>

#include "algorithms/segments.hpp"

namespace htrmrl {
namespace {

// Context agents: a unit is one sample, its context rebuilt from tokens and windows.
class SampleUnits : public UpdateUnits {
 public:
  SampleUnits(Agent& agent, const RolloutBuffer& buffer, bool deduplicate,
              const torch::Device& device)
      : agent_(agent), buffer_(buffer), deduplicate_(deduplicate), device_(device) {}
  int64_t size() const override { return buffer_.size(); }
  PolicyOutput evaluate(const std::vector<int64_t>& order, int64_t begin, int64_t end,
                        std::vector<int64_t>& samples) override {
    samples.assign(order.begin() + begin, order.begin() + end);
    Context context = buffer_.gather(order, begin, end, deduplicate_);
    encoded_ += context.tokens.size(0);
    return agent_.forward(context.to(device_));
  }
  int64_t encoded_sequences() const override { return encoded_; }

 private:
  Agent& agent_;
  const RolloutBuffer& buffer_;
  bool deduplicate_;
  torch::Device device_;
  std::atomic<int64_t> encoded_{0};  // parts run on worker threads
};

// Recurrent agents: a unit is one segment of bptt tokens (truncated BPTT).
class SegmentUnits : public UpdateUnits {
 public:
  SegmentUnits(RecurrentAgent& agent, const RolloutBuffer& buffer, int bptt,
               const torch::Device& device)
      : agent_(agent), buffer_(buffer), device_(device), segments_(make_segments(buffer, bptt)) {}
  int64_t size() const override { return static_cast<int64_t>(segments_.size()); }
  // Start states from the current parameters, never the rollout's stale ones.
  void begin_epoch() override {
    start_states_ = segment_start_states(agent_, buffer_, segments_, device_);
  }
  PolicyOutput evaluate(const std::vector<int64_t>& order, int64_t begin, int64_t end,
                        std::vector<int64_t>& samples) override {
    samples.clear();
    return evaluate_segments(agent_, buffer_, segments_, start_states_, order, begin, end,
                             device_, samples);
  }

 private:
  RecurrentAgent& agent_;
  const RolloutBuffer& buffer_;
  torch::Device device_;
  std::vector<Segment> segments_;
  torch::Tensor start_states_;
};

}  // namespace

std::unique_ptr<UpdateUnits> make_update_units(Agent& agent, const RolloutBuffer& buffer,
                                               int bptt, bool deduplicate,
                                               const torch::Device& device) {
  if (auto* recurrent = dynamic_cast<RecurrentAgent*>(&agent))
    return std::make_unique<SegmentUnits>(*recurrent, buffer, bptt, device);
  return std::make_unique<SampleUnits>(agent, buffer, deduplicate, device);
}

}  // namespace htrmrl
