#include "format/format.hpp"

#include <fcntl.h>
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

void write_file_atomically(const std::string& path, const std::string& content) {
  namespace fs = std::filesystem;
  // A special file (/dev/stdout, a FIFO, /dev/full) is written in place: renaming a temporary file
  // over it would replace the device node itself (as root) instead of writing to it.
  std::error_code type_ec;
  const fs::file_status st = fs::status(path, type_ec);
  if (!type_ec && fs::exists(st) && !fs::is_regular_file(st) && !fs::is_directory(st)) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot write '" + path + "': " + reason(errno));
    const bool ok = write_all(fd, content);
    const int err = errno;
    ::close(fd);
    if (!ok) throw std::runtime_error("writing '" + path + "' failed: " + reason(err));
    return;
  }
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0)
    throw std::runtime_error("cannot write '" + path + "': " + reason(errno) +
                             " (the directory does not exist or is not writable)");
  // Every step is checked: a full disk can surface at write(), at fsync() or at close().
  bool ok = write_all(fd, content);
  int err = errno;
  if (ok && ::fsync(fd) != 0) {
    ok = false;
    err = errno;
  }
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    throw std::runtime_error("writing '" + path + "' failed: " + reason(err) + "; nothing was left behind");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot move the finished output into '" + path + "': " + ec.message() +
                             "; nothing was left behind");
  }
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
