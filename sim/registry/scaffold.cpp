#include "registry/scaffold.hpp"

#include <algorithm>
#include <sstream>

#include "descriptors/input_error.hpp"

namespace infersim::registry {

std::string next_free_id(const std::vector<Entry>& entries) {
  int highest = 0;
  for (const auto& e : entries) {
    // Both the id field and the file name count: either may hold the highest number in use.
    for (const std::string& text : {e.id(), e.file_stem()})
      if (const auto n = id_number(text)) highest = std::max(highest, *n);
  }
  return "B" + std::to_string(highest + 1);
}

namespace {

// A YAML double-quoted scalar: backslash and quote escaped, control characters refused upstream.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void require_text(const std::string& option, const std::string& value) {
  if (value.find_first_not_of(" \t") == std::string::npos)
    throw InputError(option, "(empty)", "must not be empty; accepted values: any non-empty text");
  if (std::any_of(value.begin(), value.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
    throw InputError(option, value, "holds a control character (a newline?); accepted values: one line of text");
}

void require_enum(const Schema& schema, const std::string& field, const std::string& option, const std::string& value) {
  const SchemaNode* n = schema.entry.property(field);
  if (n == nullptr || n->enum_values.empty()) return;
  if (std::find(n->enum_values.begin(), n->enum_values.end(), value) == n->enum_values.end()) {
    const std::string hint = closest_match(value, n->enum_values);
    throw InputError(option, value, "not an accepted value" + (hint.empty() ? std::string() : " (did you mean " + hint + "?)") +
                                        "; accepted values: " + join_alternatives(n->enum_values));
  }
}

void require_range(const Schema& schema, const std::string& field, const std::string& option, int value) {
  const SchemaNode* n = schema.entry.property(field);
  if (n == nullptr) return;
  if ((n->minimum && value < *n->minimum) || (n->maximum && value > *n->maximum))
    throw InputError(option, std::to_string(value),
                     "out of range; accepted values: " + (n->minimum ? std::to_string(*n->minimum) : std::string("any")) + " to " +
                         (n->maximum ? std::to_string(*n->maximum) : std::string("any")));
}

// Instructions, one paragraph per required section; together they clear the body's minimum word
// count so the scaffold lints clean, and each says what the section must hold.
const char* kGuide[] = {
    "Replace this paragraph with what the bottleneck is, in your own words. Name the resource that runs out (memory "
    "bandwidth, capacity, interconnect, power, supply, a missing standard or measurement) and show it with one worked "
    "number from a public source, the way B1 derives the decode ceiling of a 70B model from HBM bandwidth.",
    "Replace this paragraph with why it binds now rather than five years ago or five years from now. Say which trend makes "
    "it bind (model size, context length, agents, reasoning tokens, prices) and cite where the trend is measured, so a "
    "reviewer can check the claim without taking it on trust.",
    "Replace this paragraph with what changes would unlock it: the known solutions listed in the front matter, each with "
    "its citation and maturity, and what blocks their adoption. Keep the blockers specific (contribution guideline 3) and "
    "treat competing vendors symmetrically (guideline 5). Say which entries this one depends on and why.",
    "Replace this paragraph with who is working on it: companies, research groups, standards bodies or open-source "
    "projects, each with a public reference. Then run infersim registry lint, fix what it reports, and on every later "
    "edit raise version, add a changelog item and set last_reviewed to its date (guideline 4).",
};
const char* kHeadingsFallback[] = {"What the bottleneck is", "Why it binds now", "What changes unlock it", "Who is working on it"};

}  // namespace

std::string scaffold_entry(const std::string& id, const NewEntry& f, const Schema& schema) {
  require_text("--name", f.name);
  require_text("--unlock-value", f.unlock_value);
  require_text("--author", f.author);
  if (!f.github_handle.empty()) require_text("--github-handle", f.github_handle);
  require_enum(schema, "type", "--type", f.type);
  require_enum(schema, "status", "--status", f.status);
  require_range(schema, "priority", "--priority", f.priority);
  require_range(schema, "difficulty", "--difficulty", f.difficulty);
  require_range(schema, "review_cadence_days", "--review-cadence-days", f.review_cadence_days);

  std::ostringstream s;
  s << "---\n"
    << "id: " << id << "\n"
    << "name: " << quoted(f.name) << "\n"
    << "type: " << f.type << "\n"
    << "priority: " << f.priority << "\n"
    << "difficulty: " << f.difficulty << "\n"
    << "status: " << f.status << "\n"
    << "known_solutions: []\n"
    << "blockers: []\n"
    << "last_reviewed: " << f.date.to_string() << "\n"
    << "estimated_unlock_value: " << quoted(f.unlock_value) << "\n"
    << "depends_on: []\n"
    << "contributors:\n"
    << "  - {name: " << quoted(f.author) << (f.github_handle.empty() ? "" : ", github_handle: " + quoted(f.github_handle))
    << ", contribution: \"author\"}\n"
    << "review_cadence_days: " << f.review_cadence_days << "\n"
    << "version: 1\n"
    << "changelog:\n"
    << "  - version: 1\n"
    << "    date: " << f.date.to_string() << "\n"
    << "    change: \"Entry written (scaffolded by infersim registry new)\"\n"
    << "---\n";
  const std::vector<std::string> headings =
      schema.body.required_headings.empty() ? std::vector<std::string>(std::begin(kHeadingsFallback), std::end(kHeadingsFallback))
                                            : schema.body.required_headings;
  for (size_t i = 0; i < headings.size(); ++i)
    s << "\n## " << headings[i] << "\n\n" << kGuide[std::min(i, std::size(kGuide) - 1)] << "\n";
  return s.str();
}

}  // namespace infersim::registry
