#include "format/format.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace infersim {

namespace {
// Display width: UTF-8 continuation bytes take no column (tables hold "§", "–" and "µ").
size_t display_width(const std::string& s) {
  size_t n = 0;
  for (unsigned char ch : s)
    if ((ch & 0xC0) != 0x80) ++n;
  return n;
}
}  // namespace

std::string Table::render() const {
  std::vector<size_t> width(header_.size(), 0);
  for (size_t c = 0; c < header_.size(); ++c) width[c] = display_width(header_[c]);
  for (const auto& row : rows_)
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], display_width(row[c]));
  auto numeric = [](const std::string& s) {
    return !s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-' || s[0] == '$');
  };
  std::ostringstream out;
  auto line = [&](const std::vector<std::string>& row, bool header) {
    for (size_t c = 0; c < width.size(); ++c) {
      std::string cell = c < row.size() ? row[c] : "";
      size_t pad = width[c] - display_width(cell);
      if (c > 0) out << "  ";
      if (!header && numeric(cell)) out << std::string(pad, ' ') << cell;
      else out << cell << std::string(c + 1 == width.size() ? 0 : pad, ' ');
    }
    out << "\n";
  };
  line(header_, true);
  std::vector<std::string> rule;
  for (size_t w : width) rule.emplace_back(w, '-');
  line(rule, true);
  for (const auto& row : rows_) line(row, false);
  return out.str();
}

std::string csv_escape(const std::string& field) {
  if (field.find_first_of(",\"\n") == std::string::npos) return field;
  std::string out = "\"";
  for (char ch : field) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

namespace {
// write(2) until done; false on any error (errno tells which: ENOSPC, EFBIG, EIO, ...).
bool write_all(int fd, const std::string& content) {
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

std::string reason(int err) { return std::strerror(err); }
}  // namespace

namespace {
constexpr std::size_t kBufferBytes = 1 << 16;  // streamed outputs go to write(2) in 64 KiB pieces
}  // namespace

AtomicOutput::AtomicOutput(std::string path) : path_(std::move(path)) {
  namespace fs = std::filesystem;
  // A special file (/dev/stdout, a FIFO, /dev/full) is written in place: renaming a temporary file
  // over it would replace the device node itself (as root) instead of writing to it.
  std::error_code type_ec;
  const fs::file_status st = fs::status(path_, type_ec);
  if (!type_ec && fs::exists(st) && !fs::is_regular_file(st) && !fs::is_directory(st)) {
    in_place_ = true;
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("cannot write '" + path_ + "': " + reason(errno));
    return;
  }
  if (!type_ec && fs::is_directory(st)) throw std::runtime_error("cannot write '" + path_ + "': it is a directory");
  // A replaced file keeps its permission bits (a 0600 result stays 0600).
  mode_t mode = 0666;
  struct stat old {};
  const bool replacing = ::stat(path_.c_str(), &old) == 0 && S_ISREG(old.st_mode);
  temp_ = path_ + ".tmp-" + std::to_string(::getpid());
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd_ < 0) {
    const int err = errno;
    temp_.clear();
    throw std::runtime_error("cannot write '" + path_ + "': " + reason(err) +
                             " (the directory does not exist or is not writable)");
  }
  if (replacing) (void)::fchmod(fd_, old.st_mode & 07777);
}

AtomicOutput::~AtomicOutput() {
  if (!done_) discard();
}

void AtomicOutput::fail(const std::string& why) {
  if (error_.empty()) error_ = why;
}

void AtomicOutput::flush_buffer() {
  if (buffer_.empty() || !error_.empty()) {
    buffer_.clear();
    return;
  }
  if (!write_all(fd_, buffer_)) fail(reason(errno));
  buffer_.clear();
}

void AtomicOutput::write(const std::string& bytes) {
  if (done_ || !error_.empty()) return;
  buffer_ += bytes;
  if (buffer_.size() >= kBufferBytes) flush_buffer();
}

void AtomicOutput::discard() {
  if (done_) return;
  done_ = true;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicOutput::commit() {
  if (done_) throw std::logic_error("AtomicOutput::commit() called twice for " + path_);
  flush_buffer();
  // Every step is checked: a full disk can surface at write(), at fsync() or at close(). A special
  // file in place (a terminal, a pipe) cannot be fsynced, which is not an error.
  if (error_.empty() && !in_place_ && ::fsync(fd_) != 0) fail(reason(errno));
  if (::close(fd_) != 0 && error_.empty()) fail(reason(errno));
  fd_ = -1;
  done_ = true;
  if (!error_.empty()) {
    if (!temp_.empty()) ::unlink(temp_.c_str());
    throw std::runtime_error("writing '" + path_ + "' failed: " + error_ +
                             (in_place_ ? "" : "; nothing was left behind"));
  }
  if (in_place_) return;
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp_.c_str());
    throw std::runtime_error("cannot move the finished output into '" + path_ + "': " + reason(err) +
                             "; nothing was left behind");
  }
}

void write_file_atomically(const std::string& path, const std::string& content) {
  AtomicOutput out(path);
  out.write(content);
  out.commit();
}

std::string format_number(double v, int significant) {
  if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
  if (v == 0) return "0";
  const double mag = std::fabs(v);
  if (mag >= 1e9 || mag < 1e-4) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*g", significant, v);
    return buf;
  }
  int digits_before = static_cast<int>(std::floor(std::log10(mag))) + 1;
  int decimals = std::max(0, significant - digits_before);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  // Group thousands for readability (12,345).
  size_t dot = s.find('.');
  size_t int_end = dot == std::string::npos ? s.size() : dot;
  size_t start = (s[0] == '-') ? 1 : 0;
  for (long i = static_cast<long>(int_end) - 3; i > static_cast<long>(start); i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

}  // namespace infersim
