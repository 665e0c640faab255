// Contract: registry/schema.json as a C++ value, so that the linter and the README share one schema.
//
// schema.json is a small subset of JSON Schema (type, enum, minimum, maximum, minLength, minItems,
// uniqueItems, pattern, format "date", required, properties, additionalProperties, items) plus
// x- keywords for what JSON Schema cannot say: x-accepted (how to describe a pattern to a person),
// x-since (the schema version that added a field), x-not-after-today (a date not in the future),
// x-reject-phrases (vague texts a field must not be) and x-body (body word range and headings).
// A keyword outside that list is an InputError with a "did you mean", so a typo in the schema
// cannot silently switch a rule off.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace infersim::registry {

struct SchemaNode {
  std::string type;  // "string", "integer", "array", "object" or "" (any)
  std::vector<std::string> enum_values;
  std::optional<long long> minimum;
  std::optional<long long> maximum;
  std::optional<size_t> min_length;
  std::optional<size_t> min_items;
  bool unique_items = false;
  std::string pattern;   // ECMAScript regex, matched against the whole text
  std::string accepted;  // x-accepted: what the pattern means, for messages
  std::string format;    // "date" or ""
  bool not_after_today = false;
  std::vector<std::string> reject_phrases;  // compared case-insensitively with the whole text
  std::vector<std::string> required;
  std::vector<std::pair<std::string, SchemaNode>> properties;  // in schema order
  bool additional_properties = true;
  std::vector<SchemaNode> items;  // zero or one element: the schema of every array item
  std::string since;              // x-since
  std::string description;

  const SchemaNode* property(const std::string& name) const;
};

struct BodyRules {
  int min_words = 0;
  int max_words = 0;
  std::vector<std::string> required_headings;  // level-2, in this order
};

struct Schema {
  std::filesystem::path file;
  std::string version;  // x-schema-version, e.g. "v0.2"
  SchemaNode entry;
  BodyRules body;

  // Top-level fields added by `version` (x-since), e.g. the four v0.2 fields.
  std::vector<std::string> fields_since(const std::string& version) const;
};

// Throws InputError naming the file and the JSON pointer of what is wrong.
Schema load_schema(const std::filesystem::path& file);
Schema parse_schema(const std::string& json_text, const std::filesystem::path& file);

}  // namespace infersim::registry
