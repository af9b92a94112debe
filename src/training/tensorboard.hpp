// TensorBoard event files, written and read without TensorFlow or protobuf.
//
// An event file is a sequence of TFRecords: uint64 little-endian data length, the masked
// CRC-32C of those 8 bytes, the data, the masked CRC-32C of the data. Each record's data is a
// serialised tensorboard.Event (tensorboard/compat/proto/event.proto, summary.proto); we use
//   Event       { double wall_time = 1; int64 step = 2; oneof { string file_version = 3;
//                 Summary summary = 5; SessionLog session_log = 7; } }
//   Summary     { repeated Value value = 1; }
//   Value       { string tag = 1; float simple_value = 2; }
//   SessionLog  { SessionStatus status = 1; }   // START = 1
// A file's first event carries file_version "brain.Event:2".
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/files.hpp"

namespace htrmrl {

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78).
uint32_t crc32c(const void* data, size_t size);
// TFRecord's checksum: the CRC rotated right by 15 bits plus 0xa282ead8.
uint32_t masked_crc32c(const void* data, size_t size);

inline constexpr int kSessionStart = 1;  // SessionLog.START

// One event. The writer sets exactly one of file_version, scalars and session_status.
struct TensorBoardEvent {
  double wall_time = 0;
  int64_t step = 0;
  std::string file_version;
  std::map<std::string, float> scalars;  // Summary values that hold a simple_value
  int session_status = 0;                // SessionLog.status; 0 when the event has none
};

// The serialised Event message (the record's data).
std::string encode_event(const TensorBoardEvent& event);
// data framed as one TFRecord.
std::string frame_record(const std::string& data);

// Writes one event file: events.out.tfevents.<unix seconds>.<hostname>.<pid> in dir, which
// must exist. Every event is one record, appended whole (AppendFile), so a killed process
// leaves a file that is valid up to its last complete event and a failed write none of it.
class EventFileWriter {
 public:
  explicit EventFileWriter(const std::string& dir);
  // SessionLog START: TensorBoard drops the run's earlier events with step >= step.
  void session_start(int64_t step);
  // Scalars of one step, as one event; throws htrmrl::Error on a repeated tag.
  void scalars(int64_t step, const std::vector<std::pair<std::string, double>>& values);
  const std::string& path() const { return path_; }

 private:
  void write(TensorBoardEvent event);
  std::string path_;
  AppendFile out_;
};

// Every event of the file, in order. Throws htrmrl::Error naming the file and the record
// index on a checksum mismatch, a truncated record or a malformed event.
std::vector<TensorBoardEvent> read_event_file(const std::string& path);
// The same for a file's bytes (`path` names it in messages).
std::vector<TensorBoardEvent> parse_event_file(const std::string& bytes, const std::string& path);
// The event files directly in dir, sorted by name (that is, by start time).
std::vector<std::string> event_files(const std::string& dir);

}  // namespace htrmrl
