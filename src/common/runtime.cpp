#include "common/runtime.hpp"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <malloc.h>

#include <fstream>
#include <mutex>

namespace htrmrl {

void configure_runtime(int threads) {
  // glibc serves blocks above 128 KiB with mmap and unmaps them on free, so every per-step
  // tensor page-faults afresh: measured 2.1x slower training on point-robot. Keep them.
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 64 << 20);
  });
  at::set_num_threads(threads);
  // OpenBLAS (Debian's BLAS behind LibTorch) runs its own pool, which at::set_num_threads
  // does not reach; unchecked it spins on every core beside ours.
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    set(threads);
}

int64_t process_status_bytes(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1)) * 1024;
  return 0;
}

}  // namespace htrmrl
