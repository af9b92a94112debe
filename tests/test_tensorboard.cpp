// TensorBoard event files: the checksum and the record layout byte for byte, every corruption
// and truncation refused, and training runs (fresh, and killed then resumed) whose event files
// show TensorBoard exactly what metrics.csv holds.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/error.hpp"
#include "common/files.hpp"
#include "test_util.hpp"
#include "training/tensorboard.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;

uint32_t crc_of(const std::string& s) { return crc32c(s.data(), s.size()); }

// The message read_event_file throws, or "" when it reads the file.
std::string read_error(const std::string& path) {
  try {
    read_event_file(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Crc32c, KnownVectors) {
  // The check value of the CRC catalogue and RFC 3720's (iSCSI) test vectors.
  EXPECT_EQ(crc_of("123456789"), 0xE3069283u);
  EXPECT_EQ(crc_of(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc_of(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending += static_cast<char>(i);
  EXPECT_EQ(crc_of(ascending), 0x46DD794Eu);
  EXPECT_EQ(crc_of(""), 0u);
}

TEST(Crc32c, MaskRotatesRightBy15AndAddsTheDelta) {
  // 0xE3069283 rotated right by 15 is 0x2506C60D; plus 0xa282ead8 is 0xC78AB0E5.
  EXPECT_EQ(masked_crc32c("123456789", 9), 0xC78AB0E5u);
}

TEST(EventEncoding, OneRecordByteForByte) {
  TensorBoardEvent e;
  e.wall_time = 1.5;
  e.step = 3;
  e.scalars["a"] = 0.5f;
  const std::vector<uint8_t> expected = {
      0x17, 0, 0, 0, 0, 0, 0, 0,                 // data length 23, uint64 little-endian
      0xe7, 0xce, 0xf8, 0x1e,                    // masked CRC-32C of those 8 bytes
      0x09, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f,        // Event.wall_time (1, fixed64) = 1.5
      0x10, 0x03,                                // Event.step (2, varint) = 3
      0x2a, 0x0a,                                // Event.summary (5, 10 bytes)
      0x0a, 0x08,                                //   Summary.value (1, 8 bytes)
      0x0a, 0x01, 'a',                           //     Value.tag (1) = "a"
      0x15, 0, 0, 0, 0x3f,                       //     Value.simple_value (2, fixed32) = 0.5
      0xde, 0x57, 0x68, 0xcd};                   // masked CRC-32C of the data
  const std::string record = frame_record(encode_event(e));
  EXPECT_EQ(std::vector<uint8_t>(record.begin(), record.end()), expected);
}

TEST(EventEncoding, FileVersionSessionStartAndZeroValues) {
  TensorBoardEvent version;
  version.file_version = "brain.Event:2";
  EXPECT_EQ(encode_event(version), std::string("\x1a\x0d") + "brain.Event:2");
  TensorBoardEvent start;
  start.step = 7;
  start.session_status = kSessionStart;
  // Event.session_log is field 7 (6 is the deprecated log_message); SessionLog.status is 1.
  EXPECT_EQ(encode_event(start), std::string("\x10\x07\x3a\x02\x08\x01", 6));
  // A zero simple_value is a oneof member that is set: it is written, unlike a zero step.
  TensorBoardEvent zero;
  zero.scalars["z"] = 0.0f;
  EXPECT_EQ(encode_event(zero), std::string("\x2a\x0a\x0a\x08\x0a\x01z\x15\0\0\0\0", 12));
}

TEST(EventFile, WrittenEventsReadBack) {
  ScratchDir dir;
  std::string path;
  {
    EventFileWriter writer(dir.root.string());
    path = writer.path();
    writer.session_start(1);
    writer.scalars(480, {{"train/success", 0.25}, {"ppo/entropy", -1.5}});
    writer.scalars(5'000'000'000, {{"train/success", 1.0 / 3.0}});
    writer.scalars(960, {{"eval/test_success", 0.0}});
    EXPECT_THROW(writer.scalars(1, {{"x", 1.0}, {"x", 2.0}}), Error);
  }
  EXPECT_EQ(event_files(dir.root.string()), std::vector<std::string>{path});
  EXPECT_EQ(fs::path(path).filename().string().rfind("events.out.tfevents.", 0), 0u);
  EXPECT_NE(path.find("." + std::to_string(getpid())), std::string::npos);

  const auto events = read_event_file(path);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].file_version, "brain.Event:2");
  EXPECT_NEAR(events[0].wall_time, std::chrono::duration<double>(
                                       std::chrono::system_clock::now().time_since_epoch()).count(),
              60.0);
  EXPECT_EQ(events[1].session_status, kSessionStart);
  EXPECT_EQ(events[1].step, 1);
  EXPECT_EQ(events[2].step, 480);
  EXPECT_EQ(events[2].scalars, (std::map<std::string, float>{{"ppo/entropy", -1.5f},
                                                             {"train/success", 0.25f}}));
  EXPECT_EQ(events[3].step, 5'000'000'000);
  EXPECT_EQ(events[3].scalars.at("train/success"), static_cast<float>(1.0 / 3.0));
  EXPECT_EQ(events[4].scalars, (std::map<std::string, float>{{"eval/test_success", 0.0f}}));
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_TRUE(events[i].file_version.empty());
    EXPECT_GE(events[i].wall_time, events[i - 1].wall_time);
  }
  // The last event is the failed call's: a repeated tag writes nothing.
  EXPECT_EQ(events.back().step, 960);
}

TEST(EventFile, EveryCorruptionAndTruncationIsRefused) {
  ScratchDir dir;
  std::string path;
  {
    EventFileWriter writer(dir.root.string());
    path = writer.path();
    writer.session_start(1);
    writer.scalars(10, {{"a", 1.0}, {"b", 2.0}});
  }
  const std::string good = read_file(path);
  ASSERT_EQ(read_event_file(path).size(), 3u);
  const auto refused = [&](const std::string& bytes, const std::string& what) {
    write_file_atomic(path, bytes);
    const std::string message = read_error(path);
    EXPECT_NE(message.find("event file '" + path + "', record "), std::string::npos)
        << what << ": " << message;
  };
  // Any changed byte breaks one of the two checksums.
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    refused(bad, "a changed byte " + std::to_string(i));
  }
  // A cut inside a record is refused; a cut between records is a valid, shorter file.
  std::vector<size_t> boundaries = {0};
  while (boundaries.back() < good.size()) {
    uint64_t length = 0;
    for (int b = 0; b < 8; ++b)
      length |= static_cast<uint64_t>(static_cast<uint8_t>(good[boundaries.back() + b])) << (8 * b);
    boundaries.push_back(boundaries.back() + 16 + length);
  }
  ASSERT_EQ(boundaries.back(), good.size());
  for (size_t size = 1; size < good.size(); ++size)
    if (std::find(boundaries.begin(), boundaries.end(), size) == boundaries.end())
      refused(good.substr(0, size), "a cut at byte " + std::to_string(size));
  // The message names the record: here the third (index 2), cut short.
  write_file_atomic(path, good.substr(0, good.size() - 1));
  EXPECT_NE(read_error(path).find("record 2: truncated"), std::string::npos) << read_error(path);
}

// What TensorBoard shows of a run directory's event files: read in name order, a SessionLog
// START drops the events seen so far at steps >= its step. Scalar events only.
std::vector<TensorBoardEvent> tensorboard_view(const std::string& dir) {
  std::vector<TensorBoardEvent> shown;
  for (const auto& file : event_files(dir))
    for (const auto& e : read_event_file(file)) {
      if (e.session_status == kSessionStart)
        shown.erase(std::remove_if(shown.begin(), shown.end(),
                                   [&](const TensorBoardEvent& s) { return s.step >= e.step; }),
                    shown.end());
      // Iteration events only: evaluation scalars (eval/...) are events of their own.
      if (e.scalars.count("train/success")) shown.push_back(e);
    }
  return shown;
}

// metrics.csv as one column -> value map per row.
std::vector<std::map<std::string, double>> csv_rows(const std::string& path) {
  std::ifstream in(path);
  std::string line, cell;
  std::getline(in, line);
  std::vector<std::string> header;
  for (std::istringstream s(line); std::getline(s, cell, ',');) header.push_back(cell);
  std::vector<std::map<std::string, double>> rows;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    auto& row = rows.emplace_back();
    for (const auto& column : header) {
      std::getline(s, cell, ',');
      row[column] = std::stod(cell);
    }
  }
  return rows;
}

// TensorBoard's view holds one event per metrics.csv row, at its env_steps, with every
// tagged column's value at float precision.
void expect_view_matches_csv(const std::string& run) {
  const auto view = tensorboard_view(run);
  const auto rows = csv_rows(run + "/metrics.csv");
  const auto columns = metrics_columns(ppo_columns()), tags = metrics_tags(ppo_columns());
  ASSERT_EQ(view.size(), rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    SCOPED_TRACE("row " + std::to_string(r));
    EXPECT_EQ(view[r].step, static_cast<int64_t>(rows[r].at("env_steps")));
    size_t tagged = 0;
    for (size_t c = 0; c < columns.size(); ++c) {
      if (tags[c].empty()) continue;
      ++tagged;
      ASSERT_TRUE(view[r].scalars.count(tags[c])) << tags[c];
      EXPECT_FLOAT_EQ(view[r].scalars.at(tags[c]), static_cast<float>(rows[r].at(columns[c])))
          << tags[c];
    }
    EXPECT_EQ(view[r].scalars.size(), tagged);
  }
}

// A tiny point-robot-sparse run: 8 trials of 3 episodes of 20 steps, 480 env steps per
// iteration.
const std::string kTiny =
    " --set env.benchmark=point-robot-sparse --set env.episodes_per_trial=3"
    " --set ppo.trials_per_iter=8 --set agent.d_model=16 --set agent.ff_dim=32"
    " --set agent.hidden=32 --set train.eval_at_end=false";
constexpr int64_t kStepsPerIteration = 480;

TEST(Training, EventFileHoldsEveryMetricsColumn) {
  ScratchDir dir;
  const std::string run = dir.path("run");
  const Outcome o = htrmrl("train --out " + run + kTiny +
                                      " --set train.total_env_steps=1920");
  ASSERT_EQ(o.code, 0) << o.output;
  const auto files = event_files(run);
  ASSERT_EQ(files.size(), 1u);
  const auto events = read_event_file(files[0]);
  ASSERT_EQ(events.size(), 6u);  // file_version, START, 4 iterations
  EXPECT_EQ(events[0].file_version, "brain.Event:2");
  EXPECT_EQ(events[1].session_status, kSessionStart);
  EXPECT_EQ(events[1].step, 1);
  EXPECT_EQ(events[2].step, kStepsPerIteration);
  EXPECT_EQ(events[2].scalars.count("train/success"), 1u);
  EXPECT_EQ(events[5].scalars.at("train/iteration"), 4.0f);
  expect_view_matches_csv(run);
}

TEST(Training, ResumedRunHidesTheKilledRunsEventsPastItsCheckpoint) {
  ScratchDir dir;
  const std::string run = dir.path("run");
  const int checkpoint_every = 3;
  fs::create_directories(run);
  run_htrmrl_and_kill_when(
      "train --out " + run + kTiny + " --set train.total_env_steps=9600" +
          " --set train.checkpoint_every=" + std::to_string(checkpoint_every),
      // A row reaches metrics.csv just before its event: at 5 rows the 4th row's event is out.
      run, [&] { return stable_metrics_rows(run + "/metrics.csv").size() >= 5; });
  const auto killed_files = event_files(run);
  ASSERT_EQ(killed_files.size(), 1u);
  const auto killed = read_event_file(killed_files[0]);  // valid up to its last record
  ASSERT_GE(killed.size(), 2u + 4u);
  ASSERT_LT(killed.size(), 2u + 20u) << "the run finished before it could be killed";

  const Outcome resumed = htrmrl("train --resume " + run);
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  const auto files = event_files(run);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0], killed_files[0]);
  const auto events = read_event_file(files[1]);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[0].file_version, "brain.Event:2");
  // START one step past the checkpoint's env_steps: the checkpoint's own iteration stays.
  ASSERT_EQ(events[1].session_status, kSessionStart);
  const int64_t checkpoint_steps = events[1].step - 1;
  EXPECT_EQ(checkpoint_steps % (checkpoint_every * kStepsPerIteration), 0);
  EXPECT_GT(checkpoint_steps, 0);
  EXPECT_EQ(events[2].step, checkpoint_steps + kStepsPerIteration);
  EXPECT_EQ(events.back().step, 20 * kStepsPerIteration);
  EXPECT_TRUE(std::any_of(killed.begin(), killed.end(),
                          [&](const auto& e) { return e.step == checkpoint_steps; }));
  expect_view_matches_csv(run);
  // Wall time goes on from the checkpoint's.
  const auto rows = csv_rows(run + "/metrics.csv");
  for (size_t r = 1; r < rows.size(); ++r)
    EXPECT_GT(rows[r].at("wall_seconds"), rows[r - 1].at("wall_seconds")) << "row " << r;
  EXPECT_LT(rows.back().at("wall_seconds"), 3600.0);
}

}  // namespace
}  // namespace htrmrl
