// Counter-based randomness: every stream is derived from (run seed, purpose, indices), never
// from a global generator, so any iteration can be replayed on resume without saved RNG state.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace htrmrl {

// SplitMix64 finaliser: a good 64-bit mixer for deriving seeds from counters.
inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Seed for one named stream: mix the run seed with a purpose tag and any indices.
inline uint64_t derive_seed(uint64_t seed, std::initializer_list<uint64_t> path) {
  uint64_t h = mix64(seed);
  for (uint64_t p : path) h = mix64(h ^ p);
  return h;
}

// Purpose tags for derive_seed, so two streams never collide by accident.
enum StreamTag : uint64_t {
  kTagTasks = 0x7461736b,     // benchmark task generation
  kTagSlot = 0x736c6f74,      // one trial slot in one iteration (actions, windows, resets)
  kTagShuffle = 0x73687566,   // minibatch order
  kTagTorch = 0x746f7263,     // LibTorch's generator (initialisation, dropout)
  kTagAssign = 0x61737367,    // which task each trial slot gets
  kTagEval = 0x6576616c,      // meta-test trials
  kTagEvalTrain = 0x65767472, // meta-test trials on the training variations (meta-train success)
  kTagEmbed = 0x656d6264,     // trials played for embedding dumps (htrmrl embed)
  kTagVae = 0x76616521,       // VariBAD's VAE steps: replayed trials, ELBO terms, noise
  kTagPearl = 0x7065726c,     // PEARL's SAC steps: replayed tasks and transitions, noise
};

// xoshiro256** generator: small, fast, and its output is the same on every platform
// (unlike std:: distributions, whose algorithms are implementation-defined).
class Rng {
 public:
  explicit Rng(uint64_t seed = 0) {
    for (auto& w : s_) w = seed = mix64(seed);
  }

  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 bits.
  double uniform() { return (next() >> 11) * 0x1.0p-53; }

  // Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; bias < 2^-64 * n).
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }

  // Standard normal by Box-Muller (one draw per call; simplicity over speed).
  double normal() {
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace htrmrl
