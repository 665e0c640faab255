// Helpers of the DES test tier: running the `infersim` binary, and running an in-process
// simulation in a forked child (one SimGrid engine per process, even when the binary runs all its
// test cases at once).
#pragma once

#include <string>
#include <functional>

namespace infersim::test {

struct Run {
  int exit_code = -1;
  std::string out;
};

// Runs `infersim <args>` (the binary next to the tests) and captures stdout.
Run run_infersim(const std::string& args);

// A whole file's bytes ("" when it cannot be read).
std::string slurp(const std::string& path);

// A double as text with all its digits (std::to_string keeps 6 decimals).
std::string number(double v);

// Runs `fn` in a forked child and returns what it returned (the child _exit()s).
std::string in_child(const std::function<std::string()>& fn);

}  // namespace infersim::test
