// Private to validation/: runs a function in a forked child process and returns the JSON it
// produced (one SimGrid engine per process). An exception in the child comes back as {"error": ...}.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace infersim {

inline nlohmann::json in_child(const std::function<nlohmann::json()>& fn) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fds[0]);
    // SimGrid prints its own backtrace on a fatal error: keep it out of the report (the parent
    // reports the failure with the child's exit status).
    if (FILE* null = std::freopen("/dev/null", "w", stderr)) (void)null;
    std::string out;
    try {
      out = fn().dump();
    } catch (const std::exception& e) {
      out = nlohmann::json{{"error", e.what()}}.dump();
    }
    size_t off = 0;
    while (off < out.size()) {
      const ssize_t n = write(fds[1], out.data() + off, out.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  std::array<char, 65536> buf{};
  ssize_t n;
  while ((n = read(fds[0], buf.data(), buf.size())) > 0) out.append(buf.data(), static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (out.empty())
    return nlohmann::json{{"error", "the DES child process produced no result (" +
                                        (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                                             : "exit " + std::to_string(WEXITSTATUS(status))) +
                                        ")"}};
  return nlohmann::json::parse(out);
}


}  // namespace infersim
