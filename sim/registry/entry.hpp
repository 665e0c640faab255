// Contract: reading one registry entry, `registry/B<n>.md`.
//
// An entry is a Markdown file that opens with YAML front matter between two lines holding only
// `---`, followed by a Markdown body. read_entry() keeps the front matter as a small tree of Values
// in file order (duplicate keys included, so the linter can report them) with the 1-based file line
// of every key and value, so every message can point at `file:line`. It checks syntax only; what the
// fields must hold is the linter's job (lint.hpp), driven by registry/schema.json.
//
// A file that cannot be read as front matter + body (no opening or closing `---`, YAML that does not
// parse, front matter that is not a mapping) is an InputError naming the file and the line.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace infersim::registry {

// One YAML node. Scalars keep their text exactly as written (no type guessing: `5` and "5" are both
// the text 5), because the linter decides what the text must be.
struct Value {
  enum class Kind { Null, Scalar, Sequence, Map };
  Kind kind = Kind::Null;
  std::string scalar;                                  // Kind::Scalar
  std::vector<Value> items;                            // Kind::Sequence
  std::vector<std::pair<std::string, Value>> fields;   // Kind::Map, file order, duplicates kept
  std::vector<int> key_lines;                          // Kind::Map: line of each key, parallel to fields
  int line = 0;                                        // 1-based line in the file

  // The first field named `key` of a Map, or nullptr.
  const Value* find(const std::string& key) const;
};

struct Heading {
  int level = 0;  // number of leading '#'
  std::string text;
  int line = 0;
};

struct Entry {
  std::filesystem::path path;  // as given to read_entry (messages print it unchanged)
  Value front_matter;          // always Kind::Map
  std::string body;            // everything after the closing '---'
  int body_first_line = 0;     // file line of the body's first line
  std::vector<Heading> headings;

  // The file name without `.md` (e.g. "B7"), which the id must match.
  std::string file_stem() const;
  // The `id` field's text, or "" when absent or not a scalar.
  std::string id() const;
  // The scalar items of `depends_on`, in file order ("" for non-scalar items is skipped).
  std::vector<std::string> depends_on() const;
  // A scalar field as text, or nullopt.
  std::optional<std::string> scalar(const std::string& key) const;
};

// Reads one entry (or any Markdown file with front matter, such as registry/README.md).
// Throws InputError(file, "line N", what) on malformed input.
Entry read_entry(const std::filesystem::path& file);
// Parses the same format from memory (the file name is used in messages only).
Entry parse_entry(const std::string& text, const std::filesystem::path& file);

// The entry files of a registry folder: every `*.md` except README.md, sorted by the number in
// B<n> (B2 before B10), then by name for files that are not of that form. Throws InputError when
// the folder does not exist.
std::vector<std::filesystem::path> entry_files(const std::filesystem::path& dir);
std::vector<Entry> read_entries(const std::filesystem::path& dir);

// The number n of an id "B<n>", or nullopt when the text is not of that form.
std::optional<int> id_number(const std::string& id);
// Registry order: B<n> ids by n (B2 before B10), then other texts alphabetically.
bool id_less(const std::string& a, const std::string& b);

}  // namespace infersim::registry
