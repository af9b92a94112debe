// One call at a time per object. The bindings release the GIL while C++ runs, so another
// Python thread could enter a method of the same object meanwhile; it is refused with a
// RuntimeError instead of racing on the object's buffers.
#pragma once

#include <atomic>
#include <stdexcept>
#include <string>

namespace htrmrl::python {

// Marks `flag` for the guard's lifetime; throws std::runtime_error (RuntimeError) naming
// `what` when it is already marked.
class Busy {
 public:
  Busy(std::atomic<bool>& flag, const char* what) : flag_(flag) {
    if (flag_.exchange(true))
      throw std::runtime_error(std::string("this ") + what + " is in use by another thread");
  }
  ~Busy() { flag_ = false; }
  Busy(const Busy&) = delete;
  Busy& operator=(const Busy&) = delete;

 private:
  std::atomic<bool>& flag_;
};

}  // namespace htrmrl::python
