// Contract: output helpers every command shares.
//
// - Table: aligned plain-text tables for people (numbers right-aligned).
// - csv_escape(): RFC 4180 quoting.
// - AtomicOutput: the one writer of every output file, whole or streamed. It writes
//   "<path>.tmp-<pid>" (the temporary name), and commit() fsyncs, closes and renames it over <path>,
//   so a reader never sees a half-written result. Every write, the fsync and the close are checked;
//   the first failure is kept (write() never throws, so it can be called from a SimGrid actor or a
//   record sink) and commit() throws it: std::runtime_error naming the path and the system's reason
//   (No space left on device), which the command maps to exit code 3. Without a successful commit()
//   the temporary file is removed (destructor), and an existing <path> is left as it was. A library
//   that writes its own file (HDF5) writes to temp_path() instead, then calls commit(). An existing
//   special file (/dev/stdout, a FIFO, /dev/full) is written in place, never renamed over. The
//   permission bits of a replaced regular file are kept.
// - write_file_atomically(path, content): AtomicOutput for a whole document.
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
class AtomicOutput {
 public:
  // Creates the temporary file (or opens a special file in place); throws std::runtime_error
  // naming the path when the directory is missing or not writable.
  explicit AtomicOutput(std::string path);
  ~AtomicOutput();  // without commit(): closes and removes the temporary file
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  // Appends bytes (buffered). Never throws: a failure is kept for commit().
  void write(const std::string& bytes);
  // Where a library writing its own file (HDF5) must write; empty for a special file in place.
  const std::string& temp_path() const { return temp_; }
  // Marks the output failed (a library reported an error writing temp_path()); commit() throws it.
  void fail(const std::string& reason);
  bool failed() const { return !error_.empty(); }
  // Flushes, fsyncs, closes and renames; throws the first failure (and removes the temporary file).
  void commit();
  // Gives up: removes the temporary file, leaves <path> as it was (an interrupted stream).
  void discard();
  const std::string& path() const { return path_; }

 private:
  void flush_buffer();
  std::string path_, temp_, buffer_, error_;
  int fd_ = -1;
  bool in_place_ = false, done_ = false;
};

void write_file_atomically(const std::string& path, const std::string& content);
// "1.23e+04"-free formatting for tables: 3 significant digits, no exponent below 1e9.
std::string format_number(double value, int significant = 3);

}  // namespace infersim
