// Process-wide settings for LibTorch on CPU, applied once before any tensor work.
#pragma once

namespace htrmrl {

// Sets LibTorch's and OpenBLAS's thread counts and keeps freed tensor memory in the heap.
void configure_runtime(int threads);

}  // namespace htrmrl
