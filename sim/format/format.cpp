#include "format/format.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
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

void write_file_atomically(const std::string& path, const std::string& content) {
  namespace fs = std::filesystem;
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write '" + path + "': the directory does not exist or is not writable");
    out << content;
    out.flush();
    if (!out) {
      out.close();
      std::remove(tmp.c_str());
      throw std::runtime_error("writing '" + path + "' failed (disk full?); nothing was left behind");
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot move the finished output into '" + path + "': " + ec.message());
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
