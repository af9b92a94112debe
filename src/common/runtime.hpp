// Process-wide settings for LibTorch on CPU, applied once before any tensor work.
#pragma once

#include <cstdint>
#include <string>

namespace htrmrl {

// Sets LibTorch's and OpenBLAS's thread counts and keeps freed tensor memory in the heap.
void configure_runtime(int threads);

// A field of /proc/self/status in bytes (VmRSS, VmHWM, VmSize), 0 if unreadable.
int64_t process_status_bytes(const std::string& field);

}  // namespace htrmrl
