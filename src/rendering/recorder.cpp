#include "rendering/recorder.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "common/error.hpp"

namespace htrmrl::rendering {
namespace {

namespace fs = std::filesystem;

constexpr const char* kStrip = "strip.png";
constexpr const char* kVideo = "episode.mp4";

// A path as one single-quoted shell word.
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// step_0042.png: frames are named by the step whose state they show.
std::string frame_name(int step) {
  char name[32];
  std::snprintf(name, sizeof name, "step_%04d.png", step);
  return name;
}

}  // namespace

std::string find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) return candidate;
  }
  return "";
}

EpisodeRecorder::EpisodeRecorder(const mjModel* m, int episode_steps,
                                 const RenderOptions& options, const std::string& out)
    : renderer_(m, options.width, options.height, options.camera),
      options_(options),
      episode_steps_(episode_steps) {
  if (options.stride < 1) throw Error("frame stride must be at least 1");
  if (!(options.fps > 0)) throw Error("video frame rate must be positive");
  // "runs/a/" and "runs/a" are the same folder; the staging folder is its sibling.
  fs::path target = fs::path(out).lexically_normal();
  if (target.filename().empty()) target = target.parent_path();
  out_ = target.string();
  if (out_.empty()) throw Error("the output directory needs a name");
  std::error_code ec;
  if (fs::exists(target, ec) && !(fs::is_directory(target, ec) && fs::is_empty(target, ec)))
    throw Error("output directory '" + out_ + "' exists and is not an empty folder");
  staging_ = out_ + ".partial-" + std::to_string(getpid());
  fs::remove_all(staging_, ec);
  // The outermost folder this creates: what a failure removes, parents included.
  created_ = staging_;
  for (fs::path p = fs::path(staging_).parent_path(); !p.empty() && !fs::exists(p, ec);
       p = p.parent_path())
    created_ = p.string();
  if (!fs::create_directories(staging_, ec) || ec) {
    std::error_code ignored;
    fs::remove_all(created_, ignored);
    throw Error("cannot write output directory '" + out_ + "': " +
                (ec ? ec.message() : "cannot create " + staging_));
  }
  open_video();
}

EpisodeRecorder::~EpisodeRecorder() {
  if (video_) {
    pclose(video_);
    std::signal(SIGPIPE, SIG_DFL);
  }
  if (!staging_.empty()) {
    std::error_code ec;
    fs::remove_all(created_, ec);
  }
}

void EpisodeRecorder::open_video() {
  const std::string ffmpeg = find_on_path("ffmpeg");
  if (ffmpeg.empty()) {
    note_ = "ffmpeg is not on PATH: no video (the PNG frames are there)";
    return;
  }
  // Raw RGB frames on stdin; yuv420p (what players expect) needs even sides, hence the pad.
  std::ostringstream cmd;
  cmd << shell_quote(ffmpeg) << " -hide_banner -loglevel error -y -f rawvideo -pix_fmt rgb24"
      << " -s " << options_.width << "x" << options_.height << " -r " << options_.fps
      << " -i - -vf " << shell_quote("pad=ceil(iw/2)*2:ceil(ih/2)*2") << " -pix_fmt yuv420p "
      << shell_quote(staging_ + "/" + kVideo);
  // A video encoder that dies must not kill the command through SIGPIPE: writes just fail.
  std::signal(SIGPIPE, SIG_IGN);
  video_ = popen(cmd.str().c_str(), "w");
  if (!video_) {
    std::signal(SIGPIPE, SIG_DFL);
    note_ = "could not start ffmpeg: no video";
  }
}

void EpisodeRecorder::close_video(Recording& r) {
  if (!video_) return;
  const int status = pclose(video_);
  video_ = nullptr;
  std::signal(SIGPIPE, SIG_DFL);
  const std::string path = staging_ + "/" + kVideo;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && fs::exists(path)) {
    r.video = out_ + "/" + kVideo;
    return;
  }
  std::error_code ec;
  fs::remove(path, ec);
  note_ = WIFEXITED(status)
              ? "ffmpeg failed (exit code " + std::to_string(WEXITSTATUS(status)) + "): no video"
              : "ffmpeg did not finish: no video";
}

void EpisodeRecorder::capture(const mjData* d) {
  if (step_ > episode_steps_) throw Error("recorder: more states than the episode has steps");
  const int t = step_++;
  const bool frame = t % options_.stride == 0 || t == episode_steps_;
  const bool strip = t == 0 || t == episode_steps_ / 2 || t == episode_steps_;
  if (!frame && !strip) return;
  Image image = renderer_.render(d);
  if (frame) {
    write_png(staging_ + "/" + frame_name(t), image);
    ++frames_;
    if (video_) fwrite(image.rgb.data(), 1, image.rgb.size(), video_);
  }
  if (strip) strip_.push_back(std::move(image));
}

Recording EpisodeRecorder::finish() {
  if (step_ != episode_steps_ + 1)
    throw Error("recorder: the episode ended after " + std::to_string(step_ - 1) + " of " +
                std::to_string(episode_steps_) + " steps");
  Recording r;
  write_png(staging_ + "/" + kStrip, side_by_side(strip_));
  close_video(r);
  // Into place: an empty folder already there gives way to the staging one.
  std::error_code ec;
  if (fs::exists(out_, ec)) fs::remove(out_, ec);
  fs::rename(staging_, out_, ec);
  if (ec) throw Error("cannot move frames into '" + out_ + "': " + ec.message());
  staging_.clear();
  r.dir = out_;
  r.frames = frames_;
  r.strip = out_ + "/" + kStrip;
  r.note = note_;
  return r;
}

}  // namespace htrmrl::rendering
