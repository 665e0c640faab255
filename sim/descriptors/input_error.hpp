// Contract: the one exception type for bad user input.
//
// It names the file, the JSON pointer (or line) and what was expected, and maps to exit code 2 in
// the command. Programmers' errors are asserts, never InputError; no assert is reachable from input.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace infersim {

constexpr int kExitBadInput = 2;

class InputError : public std::runtime_error {
 public:
  InputError(std::string file, std::string where, std::string message)
      : std::runtime_error(file + ": " + where + ": " + message),
        file_(std::move(file)), where_(std::move(where)), message_(std::move(message)) {}
  const std::string& file() const { return file_; }
  const std::string& where() const { return where_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  std::string where_;
  std::string message_;
};

// "a, b or c" for error messages.
std::string join_alternatives(const std::vector<std::string>& names);
// The candidate closest to `word` by edit distance, or "" if none is close enough to suggest.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace infersim
