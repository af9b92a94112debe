// Non-finite values (NaN, infinities) in a run: how they are found and reported. A training
// run stops at the first one it meets, because one NaN spreads through every parameter within
// a minibatch step and nothing after it means anything (docs/reliability.md).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

#include "common/error.hpp"

namespace htrmrl {

// What went non-finite, e.g. "the PPO value loss is NaN (minibatch step 3)". The trainer adds
// the iteration and the last good checkpoint; elsewhere it is an Error like any other.
struct NonFiniteError : Error {
  using Error::Error;
};

// How a non-finite number reads in a message: "NaN", "+inf" or "-inf".
inline std::string non_finite_name(double x) {
  if (std::isnan(x)) return "NaN";
  return x > 0 ? "+inf" : "-inf";
}

// Index of the first non-finite number of p[0, n), or n when all are finite: one pass.
inline size_t first_non_finite(const float* p, size_t n) {
  return static_cast<size_t>(std::find_if(p, p + n, [](float x) { return !std::isfinite(x); }) - p);
}

}  // namespace htrmrl
