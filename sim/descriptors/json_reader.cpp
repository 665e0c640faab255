#include "descriptors/json_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <sstream>

#include "units/parse.hpp"

namespace infersim {

using nlohmann::json;

std::string read_input_file(const std::string& path) {
  if (path.empty()) throw InputError("(empty path)", "(file)", "expected a file name, found an empty string");
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever; the type is
  // checked on the open descriptor (no window between a stat and the open).
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    throw InputError(path, "(file)", std::string("cannot open the file for reading: ") + std::strerror(err));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    throw InputError(path, "(file)", std::string("cannot read the file: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw InputError(path, "(file)", "is a directory; expected a file");
  if (!S_ISREG(st.st_mode))
    throw InputError(path, "(file)", "not a regular file (a device, FIFO or socket); expected a file");
  // An input is a few KB to a few MB; the cap stops `--hw /dev/zero`-like mistakes (or a wrong
  // multi-GB file) from reading until memory runs out. The bound holds while reading too, in case
  // the file grows.
  const auto too_large = [&] {
    return InputError(path, "(file)", "larger than 64 MiB (a documented cap); inputs are a few KB to a few MB "
                                      "(is this the right file?)");
  };
  if (static_cast<unsigned long long>(st.st_size) > kMaxInputFileBytes) throw too_large();
  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size));
  char chunk[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw InputError(path, "(file)", std::string("reading failed: ") + std::strerror(errno));
    if (n == 0) break;
    text.append(chunk, static_cast<std::size_t>(n));
    if (text.size() > kMaxInputFileBytes) throw too_large();
  }
  return text;
}

namespace {
// Where the parser is, as a JSON pointer, and the keys seen in each open object (duplicates).
class StrictJson {
 public:
  explicit StrictJson(const std::string& file) : file_(file) {}
  bool operator()(int depth, json::parse_event_t event, json& parsed) {
    using E = json::parse_event_t;
    if (depth > kMaxJsonDepth)
      throw InputError(file_, pointer(), "nested deeper than " + std::to_string(kMaxJsonDepth) +
                                             " levels (a documented cap)");
    switch (event) {
      case E::object_start:
      case E::array_start:
        bump();
        frames_.push_back({event == E::object_start, {}, {}, -1});
        break;
      case E::object_end:
      case E::array_end:
        if (!frames_.empty()) frames_.pop_back();
        break;
      case E::key: {
        Frame& f = frames_.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second)
          throw InputError(file_, pointer(), "duplicate key '" + f.key +
                                                 "' (given twice in one object; JSON readers would silently keep "
                                                 "one of the two)");
        break;
      }
      case E::value:
        bump();
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool object;
    std::set<std::string> keys;
    std::string key;
    long long index;
  };
  void bump() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
  }
  std::string pointer() const {
    std::string p;
    for (const auto& f : frames_) {
      p += "/";
      if (!f.object) {
        p += std::to_string(f.index < 0 ? 0 : f.index);
        continue;
      }
      for (char c : f.key) {  // RFC 6901 escapes
        if (c == '~') p += "~0";
        else if (c == '/') p += "~1";
        else p += c;
      }
    }
    return p.empty() ? "/" : p;
  }
  const std::string& file_;
  std::vector<Frame> frames_;
};
}  // namespace

json read_json_file(const std::string& path) { return parse_json_text(read_input_file(path), path); }

json parse_json_text(const std::string& text, const std::string& path) {
  try {
    return json::parse(text, StrictJson(path));
  } catch (const json::parse_error& e) {
    // nlohmann reports a byte offset; turn it into line:column for people.
    size_t line = 1, column = 1;
    for (size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {  // e.byte is 1-based
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string what = e.what();
    auto pos = what.find("syntax error");
    throw InputError(path, "line " + std::to_string(line) + ", column " + std::to_string(column),
                     "malformed JSON (" + (pos == std::string::npos ? what : what.substr(pos)) + ")");
  } catch (const json::exception& e) {
    // A number the parser cannot hold as a double (1e999: out_of_range 406) is bad input too.
    std::string what = e.what();
    auto pos = what.find("] ");
    throw InputError(path, "(file)",
                     "unreadable JSON (" + (pos == std::string::npos ? what : what.substr(pos + 2)) +
                         "); numbers must be finite");
  }
}

void require_safe_name(const std::string& file, const std::string& pointer, const std::string& name) {
  constexpr std::size_t kMaxNameBytes = 128;
  bool ok = !name.empty() && name.size() <= kMaxNameBytes && name[0] != '.';
  for (char c : name)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                c == '_' || c == '-');
  if (!ok)
    throw InputError(file, pointer, "'" + name + "' is not a safe name: it becomes a folder or file name, so "
                                    "1 to 128 of A-Z a-z 0-9 . _ - and not starting with '.' (no '/', no '..')");
}

std::string json_type_name(const json& value) {
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_array()) return "an array";
  if (value.is_object()) return "an object";
  if (value.is_null()) return "null";
  return "an unknown JSON type";
}

ObjectReader::ObjectReader(const json& object, std::string file, std::string pointer)
    : object_(object), file_(std::move(file)), pointer_(std::move(pointer)) {
  if (!object_.is_object())
    throw InputError(file_, pointer_.empty() ? "/" : pointer_,
                     "expected an object, found " + json_type_name(object_));
}

void ObjectReader::fail(const std::string& key, const std::string& message) const {
  throw InputError(file_, key.empty() ? (pointer_.empty() ? "/" : pointer_) : pointer_of(key), message);
}

bool ObjectReader::has(const std::string& key) const { return object_.contains(key); }

const json& ObjectReader::at(const std::string& key) const {
  auto it = object_.find(key);
  if (it == object_.end()) fail(key, "missing required field '" + key + "'");
  return *it;
}

std::string ObjectReader::require_string(const std::string& key) {
  mark(key);
  const json& v = at(key);
  if (!v.is_string()) fail(key, "expected a string, found " + json_type_name(v));
  std::string s = v.get<std::string>();
  if (s.empty()) fail(key, "expected a non-empty string");
  return s;
}

std::string ObjectReader::string_or(const std::string& key, const std::string& fallback) {
  mark(key);
  return has(key) ? require_string(key) : fallback;
}

std::string ObjectReader::require_enum(const std::string& key, const std::vector<std::string>& accepted) {
  std::string s = require_string(key);
  for (const auto& a : accepted)
    if (s == a) return s;
  std::string hint = closest_match(s, accepted);
  fail(key, "unknown value '" + s + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                "; accepted values: " + join_alternatives(accepted));
}

std::string ObjectReader::enum_or(const std::string& key, const std::vector<std::string>& accepted,
                                  const std::string& fallback) {
  mark(key);
  return has(key) ? require_enum(key, accepted) : fallback;
}

long long ObjectReader::require_int(const std::string& key, long long minimum) {
  mark(key);
  const json& v = at(key);
  if (!v.is_number_integer() && !(v.is_number_float() && std::isfinite(v.get<double>()) &&
                                  std::floor(v.get<double>()) == v.get<double>()))
    fail(key, "expected an integer, found " + (v.is_number() ? "a fractional number" : json_type_name(v)));
  double d = v.get<double>();
  if (d < static_cast<double>(minimum))
    fail(key, "expected an integer >= " + std::to_string(minimum) + ", found " + v.dump());
  if (d > 9.0e15) fail(key, "integer " + v.dump() + " is too large");
  return v.get<long long>();
}

long long ObjectReader::int_or(const std::string& key, long long fallback, long long minimum) {
  mark(key);
  return has(key) ? require_int(key, minimum) : fallback;
}

bool ObjectReader::bool_or(const std::string& key, bool fallback) {
  mark(key);
  if (!has(key)) return fallback;
  const json& v = at(key);
  if (!v.is_boolean()) fail(key, "expected true or false, found " + json_type_name(v));
  return v.get<bool>();
}

bool ObjectReader::require_bool(const std::string& key) {
  mark(key);
  const json& v = at(key);
  if (!v.is_boolean()) fail(key, "expected true or false, found " + json_type_name(v));
  return v.get<bool>();
}

std::vector<std::string> ObjectReader::string_array(const std::string& key) {
  mark(key);
  const json& v = at(key);
  if (!v.is_array()) fail(key, "expected an array of strings, found " + json_type_name(v));
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string() || v[i].get<std::string>().empty())
      fail(key, "element " + std::to_string(i) + ": expected a non-empty string, found " + json_type_name(v[i]));
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

namespace {
double checked_number(const ObjectReader& r, const std::string& key, const json& v, bool allow_zero) {
  if (!v.is_number()) r.fail(key, "expected a number, found " + json_type_name(v));
  double d = v.get<double>();
  if (!std::isfinite(d)) r.fail(key, "expected a finite number");
  if (d < 0 || (!allow_zero && d == 0))
    r.fail(key, std::string("expected a number ") + (allow_zero ? ">= 0" : "> 0") + ", found " + v.dump());
  return d;
}
// Documented range of a quantity in SI (tests/ROBUSTNESS.md): at most 1e30, and a rate (FLOP/s,
// B/s) at least 1 per second, so that every time, energy and cost derived from descriptors stays
// finite (a 1e-300 FLOP/s chip made simulate's step time infinite: SimGrid deadlock, segfault).
constexpr double kMaxQuantitySI = 1e30;
constexpr double kMinRateSI = 1.0;

void check_quantity_range(const ObjectReader& r, const std::string& key, UnitKind kind, const Sourced& q) {
  if (q.high > kMaxQuantitySI) r.fail(key, "at most 1e30 " + std::string(si_unit_name(kind)) + " (a documented cap)");
  const bool rate = kind == UnitKind::flop_per_second || kind == UnitKind::bytes_per_second;
  if (rate && q.low < kMinRateSI)
    r.fail(key, "a rate of at least 1 " + std::string(si_unit_name(kind)) + " (a documented floor)");
}
}  // namespace

double ObjectReader::require_number(const std::string& key, bool allow_zero) {
  mark(key);
  return checked_number(*this, key, at(key), allow_zero);
}

double ObjectReader::number_or(const std::string& key, double fallback, bool allow_zero) {
  mark(key);
  return has(key) ? require_number(key, allow_zero) : fallback;
}

Provenance ObjectReader::require_provenance(const std::string& key) {
  ObjectReader p = object(key);
  Provenance out;
  std::string tag = p.require_string("tag");
  if (!parse_tag(tag, &out.tag)) {
    std::string hint = closest_match(tag, tag_names());
    p.fail("tag", "unknown tag '" + tag + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                      "; accepted tags: " + join_alternatives(tag_names()));
  }
  out.source = p.require_string("source");
  out.note = p.string_or("note", "");
  p.finish();
  return out;
}

Sourced ObjectReader::require_quantity(const std::string& key, const Provenance* default_provenance,
                                       bool allow_zero) {
  mark(key);
  const json& v = at(key);
  std::optional<UnitKind> kind = unit_kind_from_key(key);
  UnitKind unit_kind = kind.value_or(UnitKind::count);
  if (v.is_number()) {
    if (!default_provenance)
      fail(key, "expected an object {\"value\", \"tag\", \"source\"} carrying the number's provenance, "
                "found a bare number");
    double d = checked_number(*this, key, v, allow_zero);
    Sourced bare{d, d, d, *default_provenance};
    check_quantity_range(*this, key, unit_kind, bare);
    return bare;
  }
  if (!v.is_object())
    fail(key, "expected a number or an object {\"value\", \"tag\", \"source\"}, found " + json_type_name(v));

  ObjectReader q(v, file_, pointer_of(key));
  q.allow({"unit", "low", "high", "note"});
  double factor = 1.0;
  if (q.has("unit")) {
    std::string unit = q.require_string("unit");
    std::optional<double> f = unit_factor(unit_kind, unit);
    if (!f) {
      auto accepted = accepted_units(unit_kind);
      std::string hint = closest_match(unit, accepted);
      q.fail("unit", "unknown unit '" + unit + "' for a quantity in " + si_unit_name(unit_kind) +
                         (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                         "; accepted units: " + join_alternatives(accepted));
    }
    factor = *f;
  }
  Sourced out;
  out.value = q.require_number("value", allow_zero) * factor;
  out.low = q.has("low") ? q.require_number("low", allow_zero) * factor : out.value;
  out.high = q.has("high") ? q.require_number("high", allow_zero) * factor : out.value;
  if (out.low > out.value) q.fail("low", "low must not exceed value");
  if (out.high < out.value) q.fail("high", "high must not be below value");
  std::string tag = q.require_string("tag");
  if (!parse_tag(tag, &out.provenance.tag)) {
    std::string hint = closest_match(tag, tag_names());
    q.fail("tag", "unknown tag '" + tag + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                      "; accepted tags: " + join_alternatives(tag_names()));
  }
  out.provenance.source = q.require_string("source");
  out.provenance.note = q.string_or("note", "");
  q.finish();
  if (!std::isfinite(out.value) || !std::isfinite(out.low) || !std::isfinite(out.high))
    fail(key, "the value overflows once converted to SI");
  check_quantity_range(*this, key, unit_kind, out);
  return out;
}

std::optional<Sourced> ObjectReader::optional_quantity(const std::string& key,
                                                       const Provenance* default_provenance,
                                                       bool allow_zero) {
  mark(key);
  if (!has(key)) return std::nullopt;
  return require_quantity(key, default_provenance, allow_zero);
}

ObjectReader ObjectReader::object(const std::string& key) {
  mark(key);
  return ObjectReader(at(key), file_, pointer_of(key));
}

std::optional<ObjectReader> ObjectReader::optional_object(const std::string& key) {
  mark(key);
  if (!has(key)) return std::nullopt;
  return object(key);
}

std::vector<ObjectReader> ObjectReader::array_of_objects(const std::string& key, bool allow_empty) {
  mark(key);
  const json& v = at(key);
  if (!v.is_array()) fail(key, "expected an array, found " + json_type_name(v));
  if (v.empty() && !allow_empty) fail(key, "expected a non-empty array");
  std::vector<ObjectReader> out;
  for (size_t i = 0; i < v.size(); ++i) out.emplace_back(v[i], file_, pointer_of(key) + "/" + std::to_string(i));
  return out;
}

void ObjectReader::finish() const {
  std::vector<std::string> known(known_.begin(), known_.end());
  for (auto it = object_.begin(); it != object_.end(); ++it) {
    if (known_.count(it.key())) continue;
    std::string hint = closest_match(it.key(), known);
    fail(it.key(), "unknown key '" + it.key() + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                       "; accepted keys here: " + join_alternatives(known));
  }
}

}  // namespace infersim
