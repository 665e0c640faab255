// Contract: typed, path-aware reading of a JSON descriptor, with named failures.
//
// ObjectReader wraps one JSON object at a JSON pointer inside a file. Every accessor records the key
// as known; finish() then rejects any key that was never asked for, with a "did you mean". Every
// failure is an InputError naming the file, the JSON pointer and what was expected. A quantity is
// read as a Sourced value in SI: a number, or an object {value, unit?, tag, source, low?, high?,
// note?} whose unit must fit the key's suffix (units/parse.hpp).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "descriptors/input_error.hpp"
#include "descriptors/provenance.hpp"

namespace infersim {

// The one reader of every user-supplied file: descriptors, workloads, measurements, calibration
// files, suites, grids, sweep point files, manifests, registry entries. Rules (tests/ROBUSTNESS.md):
// a regular file only (a directory, device, FIFO or socket is an InputError; a FIFO is never opened
// for a blocking read), at most kMaxInputFileBytes, read whole. Every failure is an InputError
// naming the file (exit 2).
constexpr std::size_t kMaxInputFileBytes = std::size_t{64} << 20;
std::string read_input_file(const std::string& path);

// read_input_file() parsed as strict JSON: malformed JSON is an InputError with the line and column;
// a key given twice in one object (which JSON parsers resolve silently, last or first wins) is an
// InputError with its JSON pointer; nesting deeper than kMaxJsonDepth is an InputError (the result
// is walked recursively downstream). Numbers must be finite.
constexpr int kMaxJsonDepth = 128;
nlohmann::json read_json_file(const std::string& path);
// The same rules for JSON already in memory (`file` names it in messages).
nlohmann::json parse_json_text(const std::string& text, const std::string& file);

class ObjectReader {
 public:
  ObjectReader(const nlohmann::json& object, std::string file, std::string pointer);

  const std::string& file() const { return file_; }
  const std::string& pointer() const { return pointer_; }
  std::string pointer_of(const std::string& key) const { return pointer_ + "/" + key; }
  bool has(const std::string& key) const;

  std::string require_string(const std::string& key);
  std::string string_or(const std::string& key, const std::string& fallback);
  // A string that must be one of `accepted` (the message lists them).
  std::string require_enum(const std::string& key, const std::vector<std::string>& accepted);
  std::string enum_or(const std::string& key, const std::vector<std::string>& accepted,
                      const std::string& fallback);
  // A positive integer (>= minimum), e.g. layers or heads.
  long long require_int(const std::string& key, long long minimum = 1);
  long long int_or(const std::string& key, long long fallback, long long minimum = 1);
  bool bool_or(const std::string& key, bool fallback);
  bool require_bool(const std::string& key);
  // An array of strings (may be empty), e.g. a list of ids.
  std::vector<std::string> string_array(const std::string& key);
  // A finite number > 0 (or >= 0 with allow_zero), as a plain number (dimensionless).
  double require_number(const std::string& key, bool allow_zero = false);
  double number_or(const std::string& key, double fallback, bool allow_zero = false);

  // A sourced quantity in the SI unit its key names. `default_provenance` is used for a bare number
  // (for example the architecture block's source); without it, a bare number is an error.
  Sourced require_quantity(const std::string& key, const Provenance* default_provenance = nullptr,
                           bool allow_zero = false);
  std::optional<Sourced> optional_quantity(const std::string& key,
                                           const Provenance* default_provenance = nullptr,
                                           bool allow_zero = false);
  // A provenance object {tag, source, note?}.
  Provenance require_provenance(const std::string& key);

  ObjectReader object(const std::string& key);
  std::optional<ObjectReader> optional_object(const std::string& key);
  // Each element of an array of objects.
  std::vector<ObjectReader> array_of_objects(const std::string& key, bool allow_empty = false);

  // Declares optional keys as known without reading them (for keys read through has()).
  void allow(const std::vector<std::string>& keys) { known_.insert(keys.begin(), keys.end()); }
  // Rejects unknown keys. Call once every expected key has been read.
  void finish() const;

  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

 private:
  const nlohmann::json& at(const std::string& key) const;
  void mark(const std::string& key) { known_.insert(key); }

  const nlohmann::json& object_;
  std::string file_;
  std::string pointer_;
  std::set<std::string> known_;
};

// A name that becomes part of an output path (a suite or grid id, a report --name): 1 to 128 of
// [A-Za-z0-9._-], not starting with '.', so that it can never climb out of its folder ('../x',
// 'a/b', '' and '.' are rejected). InputError naming the file and pointer otherwise.
void require_safe_name(const std::string& file, const std::string& pointer, const std::string& name);

// Same checks for an object read from a schema of its own (provenance, quantity objects).
std::string json_type_name(const nlohmann::json& value);

}  // namespace infersim
