// TensorBoard event files, through the reader the tests check written files with. Every
// event it accepts must also survive being written and read again.
#include <cstdlib>

#include "fuzz_reader.hpp"
#include "training/tensorboard.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return htrmrl::fuzz::read_or_refuse(data, size, [](const std::string& bytes) {
    for (const htrmrl::TensorBoardEvent& event : htrmrl::parse_event_file(bytes, "events")) {
      const auto again = htrmrl::parse_event_file(
          htrmrl::frame_record(htrmrl::encode_event(event)), "rewritten");
      if (again.size() != 1 || again[0].step != event.step ||
          again[0].file_version != event.file_version ||
          again[0].scalars.size() != event.scalars.size())
        std::abort();
    }
  });
}
