// Contract: output helpers every command shares.
//
// - Table: aligned plain-text tables for people (numbers right-aligned).
// - csv_escape(): RFC 4180 quoting.
// - write_file_atomically(): writes to "<path>.tmp-<pid>", fsyncs, then renames, so a reader never
//   sees a half-written result; a failure (unwritable directory, disk full at write, fsync or close)
//   names the path and the errno text and leaves nothing behind (InputError-free: it throws
//   std::runtime_error with the path, the command maps it to exit code 3). An existing special file
//   (/dev/stdout, a FIFO, /dev/full) is written in place instead, never renamed over.
// - format_si(): compact numbers for tables (3 significant digits, thousands grouped).
#pragma once

#include <string>
#include <vector>

namespace infersim {

constexpr int kExitOutputError = 3;

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add_row(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

std::string csv_escape(const std::string& field);
void write_file_atomically(const std::string& path, const std::string& content);
// "1.23e+04"-free formatting for tables: 3 significant digits, no exponent below 1e9.
std::string format_number(double value, int significant = 3);

}  // namespace infersim
