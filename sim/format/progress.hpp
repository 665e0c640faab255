// Contract: a progress bar on stderr for runs longer than a couple of seconds:
// "[########......] 12/36 cells  0:14 elapsed, ETA 0:20", redrawn in place at most every 100 ms,
// silent when stderr is not a terminal or when disabled (so logs and pipes stay clean). set() is
// cheap enough to call once per simulated step.
#pragma once

#include <chrono>
#include <string>

namespace infersim {

class Progress {
 public:
  Progress(std::string what, long long total, bool enabled);
  void set(long long done);
  void finish();  // ends the line (when anything was drawn)

 private:
  std::string what_;
  long long total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace infersim
