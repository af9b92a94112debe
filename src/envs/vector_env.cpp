#include "envs/vector_env.hpp"

namespace htrmrl {

VectorEnv::VectorEnv(const Benchmark& benchmark, int num_envs, int threads)
    : spec_(benchmark.spec), pool_(threads) {
  envs_.reserve(num_envs);
  for (int i = 0; i < num_envs; ++i) envs_.push_back(benchmark.make_env());
}

void VectorEnv::step(int begin, int end, const std::vector<char>& active,
                     const float* actions, float* obs, StepResult* results) {
  const int o = spec_.obs_dim, a = spec_.act_dim;
  pool_.parallel_for(end - begin, [&](int row) {
    const int i = begin + row;
    if (!active[i]) return;
    results[i] = envs_[i]->step(actions + static_cast<long>(i) * a, obs + static_cast<long>(i) * o);
  });
}

}  // namespace htrmrl
