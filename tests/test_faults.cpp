// Faults while a run writes its files: a write that fails (a full disk, a read-only directory)
// stops `htrmrl train` with exit 2 and "cannot write PATH: <reason>", leaves the last good
// checkpoint byte for byte and no temporary file, and once the fault is gone `--resume` ends
// with the metrics and evaluations of an uninterrupted run. Every writer is reached through
// the injected failure (HTRMRL_FAIL_WRITE, common/files.cpp); a real full tmpfs and a
// read-only one are used where mounting is permitted.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/files.hpp"
#include "test_util.hpp"

namespace htrmrl {
namespace {

namespace fs = std::filesystem;

// Two-iteration runs raised to four: 480 env steps per iteration, a checkpoint every second
// iteration (so a failure in iteration 3 or 4 finds the checkpoint of iteration 2) and a
// meta-test every second; a constant learning rate, which the budget would otherwise set.
const std::string kRun =
    " --set env.episodes_per_trial=3 --set ppo.trials_per_iter=8 --set agent.d_model=16"
    " --set agent.ff_dim=32 --set agent.hidden=32 --set eval.trials=1 --set eval.every=2"
    " --set train.checkpoint_every=2 --set train.eval_at_end=false --set ppo.anneal_lr=false";

class Faults : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return scratch_.path(name); }

  // The uninterrupted four-iteration run, trained once per test.
  const std::string& whole() {
    if (whole_.empty()) {
      whole_ = path("whole");
      const Outcome o = htrmrl("train --out " + whole_ + kRun + " --set train.total_env_steps=1920");
      EXPECT_EQ(o.code, 0) << o.output;
    }
    return whole_;
  }

  // Trains two iterations into dir and raises its budget to four; returns its checkpoint.
  std::string two_of_four(const std::string& dir) {
    const Outcome o = htrmrl("train --out " + dir + kRun + " --set train.total_env_steps=960");
    EXPECT_EQ(o.code, 0) << o.output;
    write_file_atomic(dir + "/config.toml", replaced(read_file(dir + "/config.toml"),
                                                     "total_env_steps = 960",
                                                     "total_env_steps = 1920"));
    fs::remove(dir + "/status.json");
    return read_file(dir + "/checkpoints/latest.pt");
  }

  // The stopped run left its checkpoint as it was and nothing half-written; resumed, it ends
  // as the uninterrupted run did.
  void expect_intact_and_resumable(const std::string& dir, const std::string& checkpoint) {
    EXPECT_EQ(read_file(dir + "/checkpoints/latest.pt"), checkpoint);
    for (const auto& entry : fs::recursive_directory_iterator(dir))
      EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();
    const std::string metrics = read_file(dir + "/metrics.csv");
    EXPECT_EQ(metrics.back(), '\n') << "half a row left in metrics.csv";
    const Outcome resumed = htrmrl("train --resume " + dir);
    ASSERT_EQ(resumed.code, 0) << resumed.output;
    EXPECT_EQ(stable_metrics_rows(dir + "/metrics.csv"), stable_metrics_rows(whole() + "/metrics.csv"));
    EXPECT_EQ(read_file(dir + "/evaluations.jsonl"), read_file(whole() + "/evaluations.jsonl"));
    for (const std::string& file : event_files(dir)) EXPECT_NO_THROW(read_event_file(file)) << file;
  }

  ScratchDir scratch_;
  std::string whole_;
};

// A tmpfs mounted at dir for the test's lifetime; mounted() is false where that is not
// permitted (mounting needs root with CAP_SYS_ADMIN).
struct Tmpfs {
  Tmpfs(const std::string& dir, const std::string& size) : dir(dir) {
    fs::create_directories(dir);
    mounted = shell("mount -t tmpfs -o size=" + size + " htrmrl-test " + dir).code == 0;
  }
  ~Tmpfs() {
    if (mounted) shell("umount " + dir);
  }
  std::string dir;
  bool mounted = false;
};

// Every file the trainer writes during an iteration, failing at the k-th write to it in the
// resumed process (metrics.csv's and evaluations.jsonl's first write is their rewrite at
// start-up, an event file's first two its version and START records).
TEST_F(Faults, EveryRunFileThatCannotBeWrittenStopsTheRunAndResumeFinishesIt) {
  const std::string base = path("base");
  const std::string checkpoint = two_of_four(base);
  const struct {
    std::string fault, file;
    int iteration;
  } cases[] = {
      {"metrics.csv:2", "metrics.csv", 3},
      {"events.out.tfevents:3", "events.out.tfevents.", 3},
      {"evaluations.jsonl:2", "evaluations.jsonl", 4},
      {"latest.pt:1", "checkpoints/latest.pt", 4},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.fault);
    const std::string dir = path("run" + std::to_string(n++));
    fs::copy(base, dir, fs::copy_options::recursive);
    const Outcome failed = shell("HTRMRL_FAIL_WRITE=" + c.fault + " " + HTRMRL_BINARY +
                                 " train --resume " + dir);
    EXPECT_EQ(failed.code, 2) << failed.output;
    EXPECT_NE(failed.output.find("error: iteration " + std::to_string(c.iteration) +
                                 ": cannot write " + dir + "/" + c.file),
              std::string::npos)
        << failed.output;
    EXPECT_NE(failed.output.find(": No space left on device; the last good checkpoint is "
                                 "iteration 2 (" + dir + "/checkpoints/latest.pt)\n"),
              std::string::npos)
        << failed.output;
    expect_intact_and_resumable(dir, checkpoint);
  }
}

// A real full file system: a tmpfs filled up to less free space than a checkpoint takes, so
// the run gets as far as its next checkpoint and fails writing it.
TEST_F(Faults, AFullFileSystemStopsTheRunAndResumeFinishesOnceSpaceIsBack) {
  const Tmpfs disk(path("disk"), "4m");
  if (!disk.mounted)
    GTEST_SKIP() << "mounting a tmpfs is not permitted here (it needs root with CAP_SYS_ADMIN); "
                    "Faults.EveryRunFileThatCannotBeWrittenStopsTheRunAndResumeFinishesIt "
                    "covers the same writes with an injected failure";
  const std::string dir = disk.dir + "/run";
  const std::string checkpoint = two_of_four(dir);
  // Fill the disk, then free half a checkpoint's worth: room for rows and logs, not for the
  // checkpoint of iteration 4.
  {
    AppendFile filler(disk.dir + "/filler");
    const std::string block(4096, 'x');
    EXPECT_THROW(for (;;) filler.append(block), WriteError);
  }
  fs::resize_file(disk.dir + "/filler", fs::file_size(disk.dir + "/filler") - checkpoint.size() / 2);
  const Outcome failed = htrmrl("train --resume " + dir);
  EXPECT_EQ(failed.code, 2) << failed.output;
  EXPECT_NE(failed.output.find("error: iteration 4: cannot write " + dir +
                               "/checkpoints/latest.pt: No space left on device"),
            std::string::npos)
      << failed.output;
  fs::remove(disk.dir + "/filler");
  expect_intact_and_resumable(dir, checkpoint);
}

// A run directory that cannot be written: read-only by its permissions where they apply, else
// (root ignores them) a tmpfs remounted read-only.
TEST_F(Faults, AReadOnlyRunDirectoryStopsTheRunAndResumeFinishesOnceWritable) {
  const bool root = geteuid() == 0;
  const Tmpfs disk(path("disk"), "16m");
  if (root && !disk.mounted)
    GTEST_SKIP() << "running as root, which ignores permissions, and mounting a read-only "
                    "tmpfs is not permitted here";
  const std::string dir = (root ? disk.dir : path("disk")) + "/run";
  const std::string checkpoint = two_of_four(dir);
  const auto writable = [&](bool on) {
    if (root) {
      ASSERT_EQ(shell("mount -o remount," + std::string(on ? "rw " : "ro ") + disk.dir).code, 0);
      return;
    }
    const auto mode = on ? fs::perms::owner_all : fs::perms::owner_read | fs::perms::owner_exec;
    fs::permissions(dir, mode);
    fs::permissions(dir + "/checkpoints", mode);
  };
  writable(false);
  const Outcome failed = htrmrl("train --resume " + dir);
  writable(true);
  EXPECT_EQ(failed.code, 2) << failed.output;
  EXPECT_NE(failed.output.find("error: cannot write " + dir + "/metrics.csv: " +
                               (root ? "Read-only file system" : "Permission denied")),
            std::string::npos)
      << failed.output;
  expect_intact_and_resumable(dir, checkpoint);
}

// A kill in the middle of a row's write (or a cut that failed after a write error) leaves an
// unterminated last line: resume drops it with the rows past the checkpoint. A broken row
// before it is refused by file and line.
TEST(MetricsFile, AnUnterminatedLastRowIsDroppedAndABrokenRowIsNamed) {
  ScratchDir dir;
  const std::string file = dir.path("metrics.csv");
  const std::string header = "iteration,env_steps\n";
  write_file_atomic(file, header + "1,480,0.5\n2,96");
  { MetricsLog log(file, 5, ppo_columns()); }
  const std::string kept = read_file(file);
  EXPECT_EQ(kept.substr(kept.find('\n') + 1), "1,480,0.5\n");
  write_file_atomic(file, header + "1,480\nhalf\n2,960\n");
  EXPECT_EQ(error_of([&] { MetricsLog(file, 5, ppo_columns()); }),
            "'" + file + "' line 3 is not a metrics row");
}

}  // namespace
}  // namespace htrmrl
