#include "training/tensorboard.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "common/error.hpp"
#include "common/files.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;

// Protobuf wire types that the messages we read and write use.
enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// Event, Summary, Summary.Value and SessionLog field numbers.
constexpr int kEventWallTime = 1, kEventStep = 2, kEventFileVersion = 3, kEventSummary = 5,
              kEventSessionLog = 7;
constexpr int kSummaryValue = 1;
constexpr int kValueTag = 1, kValueSimpleValue = 2;
constexpr int kSessionLogStatus = 1;

// The byte-at-a-time CRC-32C table, built at compile time.
constexpr std::array<uint32_t, 256> make_crc32c_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrc32cTable = make_crc32c_table();

// Little-endian integers, whatever the host's byte order.
void put_little_endian(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}
uint64_t get_little_endian(const char* p, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i)
    value |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return value;
}

// Protobuf encoding: base-128 varints, keys (field << 3 | wire type), length-prefixed bytes.
void put_varint(std::string& out, uint64_t value) {
  for (; value >= 0x80; value >>= 7) out += static_cast<char>((value & 0x7f) | 0x80);
  out += static_cast<char>(value);
}
void put_key(std::string& out, int field, WireType type) {
  put_varint(out, (static_cast<uint64_t>(field) << 3) | type);
}
void put_length_delimited(std::string& out, int field, std::string_view bytes) {
  put_key(out, field, kLengthDelimited);
  put_varint(out, bytes.size());
  out.append(bytes);
}
template <typename To, typename From>
To bits_of(From value) {
  static_assert(sizeof(To) == sizeof(From));
  To bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

// Reads protobuf fields from a byte range; anything malformed throws htrmrl::Error.
class ProtoReader {
 public:
  explicit ProtoReader(std::string_view bytes) : rest_(bytes) {}
  bool done() const { return rest_.empty(); }

  // The next field's number and wire type.
  std::pair<int, int> key() {
    const uint64_t k = varint();
    return {static_cast<int>(k >> 3), static_cast<int>(k & 7)};
  }
  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const uint8_t byte = static_cast<uint8_t>(take(1)[0]);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value;
    }
    throw Error("varint longer than 10 bytes");
  }
  uint64_t fixed(int bytes) { return get_little_endian(take(bytes).data(), bytes); }
  std::string_view length_delimited() { return take(varint()); }

  // Skips a field we do not read.
  void skip(int wire_type) {
    switch (wire_type) {
      case kVarint: varint(); return;
      case kFixed64: take(8); return;
      case kLengthDelimited: length_delimited(); return;
      case kFixed32: take(4); return;
      default: throw Error("unsupported wire type " + std::to_string(wire_type));
    }
  }
  // Throws unless the field has the wire type its number requires.
  static void expect(int wire_type, WireType wanted, int field) {
    if (wire_type != wanted)
      throw Error("field " + std::to_string(field) + " has wire type " +
                  std::to_string(wire_type) + ", not " + std::to_string(wanted));
  }

 private:
  std::string_view take(uint64_t n) {
    if (n > rest_.size()) throw Error("field runs past the end of its message");
    std::string_view head = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return head;
  }
  std::string_view rest_;
};

// Summary.Value: its tag and simple_value, if it has one.
void decode_value(std::string_view bytes, std::map<std::string, float>& scalars) {
  ProtoReader in(bytes);
  std::string tag;
  bool has_value = false;
  float value = 0;
  while (!in.done()) {
    const auto [field, type] = in.key();
    if (field == kValueTag) {
      ProtoReader::expect(type, kLengthDelimited, field);
      tag = in.length_delimited();
    } else if (field == kValueSimpleValue) {
      ProtoReader::expect(type, kFixed32, field);
      value = bits_of<float>(static_cast<uint32_t>(in.fixed(4)));
      has_value = true;
    } else {
      in.skip(type);
    }
  }
  if (has_value) scalars[tag] = value;
}

TensorBoardEvent decode_event(std::string_view bytes) {
  TensorBoardEvent event;
  ProtoReader in(bytes);
  while (!in.done()) {
    const auto [field, type] = in.key();
    switch (field) {
      case kEventWallTime:
        ProtoReader::expect(type, kFixed64, field);
        event.wall_time = bits_of<double>(in.fixed(8));
        break;
      case kEventStep:
        ProtoReader::expect(type, kVarint, field);
        event.step = static_cast<int64_t>(in.varint());
        break;
      case kEventFileVersion:
        ProtoReader::expect(type, kLengthDelimited, field);
        event.file_version = in.length_delimited();
        break;
      case kEventSummary: {
        ProtoReader::expect(type, kLengthDelimited, field);
        ProtoReader summary(in.length_delimited());
        while (!summary.done()) {
          const auto [f, t] = summary.key();
          if (f != kSummaryValue) {
            summary.skip(t);
            continue;
          }
          ProtoReader::expect(t, kLengthDelimited, f);
          decode_value(summary.length_delimited(), event.scalars);
        }
        break;
      }
      case kEventSessionLog: {
        ProtoReader::expect(type, kLengthDelimited, field);
        ProtoReader log(in.length_delimited());
        while (!log.done()) {
          const auto [f, t] = log.key();
          if (f != kSessionLogStatus) {
            log.skip(t);
            continue;
          }
          ProtoReader::expect(t, kVarint, f);
          event.session_status = static_cast<int>(log.varint());
        }
        break;
      }
      default:
        in.skip(type);
    }
  }
  return event;
}

double unix_seconds_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace

uint32_t crc32c(const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i) crc = kCrc32cTable[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

uint32_t masked_crc32c(const void* data, size_t size) {
  const uint32_t crc = crc32c(data, size);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

std::string encode_event(const TensorBoardEvent& event) {
  // Proto3 leaves out fields at their default, except a oneof's member (file_version,
  // summary, session_log, simple_value), which is written whenever it is set.
  std::string out;
  if (event.wall_time != 0) {
    put_key(out, kEventWallTime, kFixed64);
    put_little_endian(out, bits_of<uint64_t>(event.wall_time), 8);
  }
  if (event.step != 0) {
    put_key(out, kEventStep, kVarint);
    put_varint(out, static_cast<uint64_t>(event.step));
  }
  if (!event.file_version.empty()) put_length_delimited(out, kEventFileVersion, event.file_version);
  if (!event.scalars.empty()) {
    std::string summary;
    for (const auto& [tag, value] : event.scalars) {
      std::string v;
      put_length_delimited(v, kValueTag, tag);
      put_key(v, kValueSimpleValue, kFixed32);
      put_little_endian(v, bits_of<uint32_t>(value), 4);
      put_length_delimited(summary, kSummaryValue, v);
    }
    put_length_delimited(out, kEventSummary, summary);
  }
  if (event.session_status != 0) {
    std::string log;
    put_key(log, kSessionLogStatus, kVarint);
    put_varint(log, static_cast<uint64_t>(event.session_status));
    put_length_delimited(out, kEventSessionLog, log);
  }
  return out;
}

std::string frame_record(const std::string& data) {
  std::string record;
  put_little_endian(record, data.size(), 8);
  put_little_endian(record, masked_crc32c(record.data(), 8), 4);
  record += data;
  put_little_endian(record, masked_crc32c(data.data(), data.size()), 4);
  return record;
}

EventFileWriter::EventFileWriter(const std::string& dir) {
  // Named as TensorFlow names them; a name already taken (a second writer within the same
  // second of the same process) gets a numeric suffix, which still sorts after it.
  const double now = unix_seconds_now();
  const std::string base = (fs::path(dir) / ("events.out.tfevents." +
                                              std::to_string(static_cast<int64_t>(now)) + "." +
                                              host_name() + "." + std::to_string(getpid())))
                               .string();
  path_ = base;
  for (int n = 1; fs::exists(path_); ++n) path_ = base + "." + std::to_string(n);
  out_ = AppendFile(path_);
  TensorBoardEvent version;
  version.wall_time = now;
  version.file_version = "brain.Event:2";
  write(std::move(version));
}

void EventFileWriter::session_start(int64_t step) {
  TensorBoardEvent start;
  start.step = step;
  start.session_status = kSessionStart;
  write(std::move(start));
}

void EventFileWriter::scalars(int64_t step,
                              const std::vector<std::pair<std::string, double>>& values) {
  TensorBoardEvent event;
  event.step = step;
  for (const auto& [tag, value] : values)
    if (!event.scalars.emplace(tag, static_cast<float>(value)).second)
      throw Error("TensorBoard tag '" + tag + "' given twice for step " + std::to_string(step));
  write(std::move(event));
}

void EventFileWriter::write(TensorBoardEvent event) {
  if (event.wall_time == 0) event.wall_time = unix_seconds_now();
  out_.append(frame_record(encode_event(event)));
}

std::vector<TensorBoardEvent> read_event_file(const std::string& path) {
  return parse_event_file(read_file(path), path);
}

std::vector<TensorBoardEvent> parse_event_file(const std::string& bytes, const std::string& path) {
  std::vector<TensorBoardEvent> events;
  size_t pos = 0;
  for (size_t index = 0; pos < bytes.size(); ++index) {
    const auto fail = [&](const std::string& why) {
      throw Error("event file '" + path + "', record " + std::to_string(index) + ": " + why);
    };
    // Header: length and its checksum.
    if (bytes.size() - pos < 12) fail("truncated header");
    const char* header = bytes.data() + pos;
    if (get_little_endian(header + 8, 4) != masked_crc32c(header, 8))
      fail("length checksum mismatch");
    const uint64_t length = get_little_endian(header, 8);
    // Data and its checksum.
    if (bytes.size() - pos - 12 < 4 || length > bytes.size() - pos - 16) fail("truncated data");
    const char* data = header + 12;
    if (get_little_endian(data + length, 4) != masked_crc32c(data, length))
      fail("data checksum mismatch");
    try {
      events.push_back(decode_event(std::string_view(data, length)));
    } catch (const Error& e) {
      fail(std::string("malformed event: ") + e.what());
    }
    pos += 16 + length;
  }
  return events;
}

std::vector<std::string> event_files(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.rfind("events.out.tfevents.", 0) == 0)
      files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace htrmrl
