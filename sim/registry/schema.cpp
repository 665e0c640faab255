#include "registry/schema.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"

namespace infersim::registry {

// ordered_json keeps the schema's field order, which messages and the README table follow.
using json = nlohmann::ordered_json;

const SchemaNode* SchemaNode::property(const std::string& name) const {
  for (const auto& [key, node] : properties)
    if (key == name) return &node;
  return nullptr;
}

std::vector<std::string> Schema::fields_since(const std::string& v) const {
  std::vector<std::string> out;
  for (const auto& [key, node] : entry.properties)
    if (node.since == v) out.push_back(key);
  return out;
}

namespace {

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& pointer, const std::string& message) const {
    throw InputError(file_, pointer.empty() ? "/" : pointer, message);
  }

  std::string text(const json& j, const std::string& pointer) const {
    if (!j.is_string()) fail(pointer, "expected a string");
    return j.get<std::string>();
  }
  long long integer(const json& j, const std::string& pointer) const {
    if (!j.is_number_integer()) fail(pointer, "expected an integer");
    return j.get<long long>();
  }
  bool boolean(const json& j, const std::string& pointer) const {
    if (!j.is_boolean()) fail(pointer, "expected true or false");
    return j.get<bool>();
  }
  std::vector<std::string> texts(const json& j, const std::string& pointer) const {
    if (!j.is_array()) fail(pointer, "expected an array of strings");
    std::vector<std::string> out;
    for (size_t i = 0; i < j.size(); ++i) out.push_back(text(j[i], pointer + "/" + std::to_string(i)));
    return out;
  }

  SchemaNode node(const json& j, const std::string& pointer) const {
    static const std::vector<std::string> kKeywords = {
        "type", "enum", "minimum", "maximum", "minLength", "minItems", "uniqueItems", "pattern", "format",
        "required", "properties", "additionalProperties", "items", "description", "$comment", "title",
        "x-accepted", "x-since", "x-not-after-today", "x-reject-phrases", "x-schema-version", "x-body"};
    static const std::vector<std::string> kTypes = {"string", "integer", "array", "object"};
    if (!j.is_object()) fail(pointer, "expected a schema object");
    SchemaNode n;
    for (const auto& [key, value] : j.items()) {
      const std::string at = pointer + "/" + key;
      if (std::find(kKeywords.begin(), kKeywords.end(), key) == kKeywords.end()) {
        std::string hint = closest_match(key, kKeywords);
        fail(at, "unknown schema keyword" + (hint.empty() ? std::string() : " (did you mean " + hint + "?)") +
                     "; accepted keywords: " + join_alternatives(kKeywords));
      }
      if (key == "type") {
        n.type = text(value, at);
        if (std::find(kTypes.begin(), kTypes.end(), n.type) == kTypes.end())
          fail(at, "unsupported type '" + n.type + "'; accepted values: " + join_alternatives(kTypes));
      } else if (key == "enum") {
        n.enum_values = texts(value, at);
      } else if (key == "minimum") {
        n.minimum = integer(value, at);
      } else if (key == "maximum") {
        n.maximum = integer(value, at);
      } else if (key == "minLength") {
        n.min_length = static_cast<size_t>(integer(value, at));
      } else if (key == "minItems") {
        n.min_items = static_cast<size_t>(integer(value, at));
      } else if (key == "uniqueItems") {
        n.unique_items = boolean(value, at);
      } else if (key == "pattern") {
        n.pattern = text(value, at);
        try {
          std::regex check(n.pattern);
        } catch (const std::regex_error& e) {
          fail(at, "not a valid ECMAScript regular expression: " + std::string(e.what()));
        }
      } else if (key == "format") {
        n.format = text(value, at);
        if (n.format != "date") fail(at, "unsupported format '" + n.format + "'; accepted values: date");
      } else if (key == "required") {
        n.required = texts(value, at);
      } else if (key == "properties") {
        if (!value.is_object()) fail(at, "expected an object of field schemas");
        for (const auto& [name, sub] : value.items()) n.properties.emplace_back(name, node(sub, at + "/" + name));
      } else if (key == "additionalProperties") {
        n.additional_properties = boolean(value, at);
      } else if (key == "items") {
        n.items.push_back(node(value, at));
      } else if (key == "description") {
        n.description = text(value, at);
      } else if (key == "x-accepted") {
        n.accepted = text(value, at);
      } else if (key == "x-since") {
        n.since = text(value, at);
      } else if (key == "x-not-after-today") {
        n.not_after_today = boolean(value, at);
      } else if (key == "x-reject-phrases") {
        n.reject_phrases = texts(value, at);
      }
      // $comment, title, x-schema-version and x-body are read by parse_schema or are for people.
    }
    return n;
  }

  BodyRules body(const json& j, const std::string& pointer) const {
    if (!j.is_object()) fail(pointer, "expected an object with min_words, max_words, required_headings");
    BodyRules b;
    for (const char* key : {"min_words", "max_words", "required_headings"})
      if (!j.contains(key)) fail(pointer + "/" + key, "required key is missing");
    b.min_words = static_cast<int>(integer(j["min_words"], pointer + "/min_words"));
    b.max_words = static_cast<int>(integer(j["max_words"], pointer + "/max_words"));
    b.required_headings = texts(j["required_headings"], pointer + "/required_headings");
    if (b.min_words < 0 || b.max_words < b.min_words) fail(pointer, "expected 0 <= min_words <= max_words");
    return b;
  }

 private:
  std::string file_;
};

}  // namespace

Schema parse_schema(const std::string& json_text, const std::filesystem::path& file) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw InputError(file.string(), "byte " + std::to_string(e.byte), std::string("not valid JSON: ") + e.what());
  }
  Reader reader(file.string());
  Schema s;
  s.file = file;
  s.entry = reader.node(j, "");
  if (s.entry.type != "object") reader.fail("/type", "the entry schema must have type object");
  if (!j.contains("x-schema-version")) reader.fail("/x-schema-version", "required key is missing");
  s.version = reader.text(j["x-schema-version"], "/x-schema-version");
  if (!j.contains("x-body")) reader.fail("/x-body", "required key is missing");
  s.body = reader.body(j["x-body"], "/x-body");
  return s;
}

Schema load_schema(const std::filesystem::path& file) { return parse_schema(read_input_file(file.string()), file); }

}  // namespace infersim::registry
