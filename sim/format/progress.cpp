#include "format/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace infersim {

namespace {
std::string clock_text(double s) {
  long long t = static_cast<long long>(s + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld:%02lld", t / 60, t % 60);
  return buf;
}
}  // namespace

Progress::Progress(std::string what, long long total, bool enabled)
    : what_(std::move(what)), total_(total), enabled_(enabled && isatty(2)),
      start_(std::chrono::steady_clock::now()), last_draw_() {}

void Progress::set(long long done) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const int width = 30;
  const int filled = total_ > 0 ? static_cast<int>(width * std::min(done, total_) / total_) : width;
  std::string bar(filled, '#');
  bar += std::string(width - filled, '.');
  std::string eta = done > 0 ? clock_text(elapsed * static_cast<double>(total_ - done) / static_cast<double>(done)) : "?";
  std::fprintf(stderr, "\r[%s] %lld/%lld %s  %s elapsed, ETA %s ", bar.c_str(), done, total_, what_.c_str(),
               clock_text(elapsed).c_str(), eta.c_str());
  std::fflush(stderr);
}

void Progress::finish() {
  if (!enabled_ || !drawn_) return;
  std::fprintf(stderr, "\n");
}

}  // namespace infersim
