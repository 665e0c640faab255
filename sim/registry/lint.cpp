#include "registry/lint.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "descriptors/input_error.hpp"
#include "registry/history.hpp"

namespace infersim::registry {

namespace fs = std::filesystem;

// ---- dates ---------------------------------------------------------------------------------------

namespace {
bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in_month(int y, int m) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}
}  // namespace

// Civil-from-days arithmetic (days since 1970-01-01), the era-based method that avoids tables.
long Date::days_since_epoch() const {
  const int y = year - (month <= 2 ? 1 : 0);
  const long era = (y >= 0 ? y : y - 399) / 400;
  const long yoe = y - era * 400;
  const long doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Date date_from_days(long z) {
  z += 719468;
  const long era = (z >= 0 ? z : z - 146096) / 146097;
  const long doe = z - era * 146097;
  const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long mp = (5 * doy + 2) / 153;
  Date d;
  d.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  d.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  d.year = static_cast<int>(yoe + era * 400 + (d.month <= 2 ? 1 : 0));
  return d;
}

std::string Date::to_string() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
  return buf;
}

std::optional<Date> parse_iso_date(const std::string& text) {
  static const std::regex kIso("^([0-9]{4})-([0-9]{2})-([0-9]{2})$");
  std::smatch m;
  if (!std::regex_match(text, m, kIso)) return std::nullopt;
  Date d{std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3])};
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > days_in_month(d.year, d.month)) return std::nullopt;
  return d;
}

Date today_utc() {
  const auto now = std::chrono::system_clock::now();
  const auto days = std::chrono::duration_cast<std::chrono::hours>(now.time_since_epoch()).count() / 24;
  return date_from_days(static_cast<long>(days));
}

// ---- messages ------------------------------------------------------------------------------------

std::string Violation::to_string() const {
  std::string s = file + ":" + std::to_string(line) + ": " + field + ": " + value + ": " + message;
  if (!accepted.empty()) s += "; accepted values: " + accepted;
  return s;
}

std::string compact_ids(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end(), id_less);
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::string out;
  for (size_t i = 0; i < ids.size();) {
    size_t j = i;
    auto n = id_number(ids[i]);
    while (n && j + 1 < ids.size() && id_number(ids[j + 1]) == *n + static_cast<int>(j + 1 - i)) ++j;
    if (!out.empty()) out += ", ";
    out += ids[i];
    if (j > i + 1) out += "-" + ids[j];          // three or more in a row: a range
    else if (j == i + 1) out += ", " + ids[j];  // two in a row read better listed
    i = j + 1;
  }
  return out;
}

namespace {

std::string describe(const Value& v) {
  switch (v.kind) {
    case Value::Kind::Scalar: return v.scalar;
    case Value::Kind::Sequence: return "(a list)";
    case Value::Kind::Map: return "(a mapping)";
    case Value::Kind::Null: return "(empty)";
  }
  return "";
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

bool is_integer_text(const std::string& s) {
  static const std::regex kInt("^[-+]?[0-9]{1,18}$");
  return std::regex_match(s, kInt);
}

std::string range_text(const SchemaNode& s) {
  if (s.minimum && s.maximum) return std::to_string(*s.minimum) + " to " + std::to_string(*s.maximum);
  if (s.minimum) return "integers >= " + std::to_string(*s.minimum);
  if (s.maximum) return "integers <= " + std::to_string(*s.maximum);
  return "";
}

// Applies one schema node to one value; `field` is the path printed in messages.
class FieldChecker {
 public:
  FieldChecker(std::string file, const LintOptions& options, std::vector<Violation>& out)
      : file_(std::move(file)), options_(options), out_(out) {}

  void check(const Value& v, const SchemaNode& s, const std::string& field) {
    if (s.type == "object") return check_object(v, s, field);
    if (s.type == "array") return check_array(v, s, field);
    if (s.type == "string") return check_string(v, s, field);
    if (s.type == "integer") return check_integer(v, s, field);
  }

  void add(int line, const std::string& field, const std::string& value, const std::string& rule,
           const std::string& message, const std::string& accepted = "") {
    out_.push_back(Violation{file_, line, field, value, rule, message, accepted});
  }

 private:
  std::string child(const std::string& parent, const std::string& key) { return parent.empty() ? key : parent + "." + key; }

  bool expect_kind(const Value& v, Value::Kind kind, const std::string& field, const std::string& what) {
    if (v.kind == kind) return true;
    add(v.line, field, describe(v), "type", "expected " + what);
    return false;
  }

  void check_object(const Value& v, const SchemaNode& s, const std::string& field) {
    if (!expect_kind(v, Value::Kind::Map, field, "a mapping of field: value")) return;
    std::vector<std::string> known;
    for (const auto& [name, sub] : s.properties) known.push_back(name);
    std::set<std::string> seen;
    for (size_t i = 0; i < v.fields.size(); ++i) {
      const auto& [key, value] = v.fields[i];
      const int key_line = v.key_lines[i];
      if (!seen.insert(key).second) {
        add(key_line, child(field, key), describe(value), "duplicate-field",
            "field appears more than once (YAML readers keep only one of them; which one differs between readers)");
        continue;
      }
      const SchemaNode* sub = s.property(key);
      if (sub == nullptr) {
        if (!s.additional_properties) {
          const std::string hint = closest_match(key, known);
          add(key_line, child(field, key), describe(value), "unknown-field",
              "not a field of the schema" + (hint.empty() ? std::string() : " (did you mean " + hint + "?)"),
              join_alternatives(known));
        }
        continue;
      }
      check(value, *sub, child(field, key));
    }
    for (const auto& name : s.required) {
      if (v.find(name) != nullptr) continue;
      const SchemaNode* sub = s.property(name);
      std::string accepted;
      if (sub != nullptr && !sub->enum_values.empty()) accepted = join_alternatives(sub->enum_values);
      add(v.line, child(field, name), "(missing)", "required",
          "required field is missing" + (sub != nullptr && !sub->since.empty() ? " (added in schema " + sub->since + ")" : std::string()),
          accepted);
    }
  }

  void check_array(const Value& v, const SchemaNode& s, const std::string& field) {
    if (!expect_kind(v, Value::Kind::Sequence, field, "a list (write [] for none)")) return;
    if (s.min_items && v.items.size() < *s.min_items)
      add(v.line, field, describe(v), "min-items",
          "expected at least " + std::to_string(*s.min_items) + " item(s), found " + std::to_string(v.items.size()));
    std::map<std::string, int> first_line;
    for (size_t i = 0; i < v.items.size(); ++i) {
      const Value& item = v.items[i];
      const std::string at = field + "[" + std::to_string(i) + "]";
      if (s.unique_items && item.kind == Value::Kind::Scalar) {
        auto [it, inserted] = first_line.emplace(item.scalar, item.line);
        if (!inserted) add(item.line, at, item.scalar, "unique-items", "listed twice (first on line " + std::to_string(it->second) + ")");
      }
      if (!s.items.empty()) check(item, s.items.front(), at);
    }
  }

  void check_string(const Value& v, const SchemaNode& s, const std::string& field) {
    if (!expect_kind(v, Value::Kind::Scalar, field, "a single text value")) return;
    const std::string& text = v.scalar;
    if (s.min_length && trim(text).size() < *s.min_length) {
      add(v.line, field, text.empty() ? "(empty)" : text, "min-length", "must not be empty");
      return;
    }
    if (!s.enum_values.empty() && std::find(s.enum_values.begin(), s.enum_values.end(), text) == s.enum_values.end()) {
      const std::string hint = closest_match(text, s.enum_values);
      add(v.line, field, text, "enum", "not an accepted value" + (hint.empty() ? std::string() : " (did you mean " + hint + "?)"),
          join_alternatives(s.enum_values));
    }
    if (!s.pattern.empty() && !std::regex_match(text, std::regex(s.pattern)))
      add(v.line, field, text, "pattern", "does not have the required form",
          s.accepted.empty() ? "text matching " + s.pattern : s.accepted);
    if (s.format == "date") {
      const auto date = parse_iso_date(text);
      if (!date) {
        add(v.line, field, text, "date", "not an ISO calendar date", "YYYY-MM-DD, a real calendar day");
      } else if (s.not_after_today && options_.today < *date) {
        add(v.line, field, text, "future-date", "is after today (" + options_.today.to_string() + ")",
            "dates up to " + options_.today.to_string());
      }
    }
    for (const auto& phrase : s.reject_phrases)
      if (lower(trim(text)) == lower(phrase))
        add(v.line, field, text, "vague-text",
            "too vague: name the specific reason (contribution guideline 3; if it is social or an incentive, say so)");
  }

  void check_integer(const Value& v, const SchemaNode& s, const std::string& field) {
    const std::string range = range_text(s);
    if (v.kind != Value::Kind::Scalar || !is_integer_text(v.scalar)) {
      add(v.line, field, describe(v), "type", "expected an integer", range);
      return;
    }
    const long long n = std::stoll(v.scalar);
    if ((s.minimum && n < *s.minimum) || (s.maximum && n > *s.maximum))
      add(v.line, field, v.scalar, "range", "out of range", range);
  }

  std::string file_;
  const LintOptions& options_;
  std::vector<Violation>& out_;
};

// Words of the body: whitespace-separated tokens holding a letter or digit, heading lines skipped.
int body_words(const std::string& body) {
  std::istringstream lines(body);
  int words = 0;
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] == '#') continue;
    std::istringstream tokens(line);
    for (std::string token; tokens >> token;)
      if (std::any_of(token.begin(), token.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }))
        ++words;
  }
  return words;
}

void lint_body(const Entry& entry, const BodyRules& rules, std::vector<Violation>& out) {
  const std::string file = entry.path.string();
  const int words = body_words(entry.body);
  if (words < rules.min_words || words > rules.max_words)
    out.push_back(Violation{file, entry.body_first_line, "body", std::to_string(words) + " words", "body-words",
                            words < rules.min_words ? "body is too short" : "body is too long",
                            std::to_string(rules.min_words) + " to " + std::to_string(rules.max_words) + " words"});
  std::vector<std::string> wanted;
  for (const auto& h : rules.required_headings) wanted.push_back("## " + h);
  const std::string accepted = join_alternatives(wanted) + ", in this order";
  size_t next = 0;  // index in required_headings of the heading expected next
  for (const auto& h : entry.headings) {
    if (h.level != 2) continue;
    auto it = std::find(rules.required_headings.begin(), rules.required_headings.end(), trim(h.text));
    if (it == rules.required_headings.end()) continue;  // extra sections are allowed
    const size_t index = static_cast<size_t>(it - rules.required_headings.begin());
    if (index < next) {
      out.push_back(Violation{file, h.line, "body", "## " + h.text, "body-heading", "heading is out of order or repeated", accepted});
      continue;
    }
    for (; next < index; ++next)
      out.push_back(Violation{file, h.line, "body", "## " + rules.required_headings[next], "body-heading",
                              "required heading is missing before this one", accepted});
    next = index + 1;
  }
  for (; next < rules.required_headings.size(); ++next)
    out.push_back(Violation{file, entry.body_first_line, "body", "## " + rules.required_headings[next], "body-heading",
                            "required heading is missing", accepted});
}

// Versioning (schema v0.3, the seed's section 7 and contribution guideline 4). Only checked when
// both fields are well-formed enough to compare; the schema rules report the rest.
constexpr const char* kGuideline4 =
    "contribution guideline 4: last_reviewed is updated on every edit, and every edit adds a changelog item with the next version";

void lint_versioning(const Entry& entry, const Date& today, std::vector<Violation>& out) {
  const std::string file = entry.path.string();
  const Value* version = entry.front_matter.find("version");
  const Value* log = entry.front_matter.find("changelog");
  const Value* reviewed = entry.front_matter.find("last_reviewed");
  if (log == nullptr || log->kind != Value::Kind::Sequence || log->items.empty()) return;
  long long expected = 1;
  std::optional<Date> previous_date;
  const Value* newest = nullptr;
  for (size_t i = 0; i < log->items.size(); ++i) {
    const Value& item = log->items[i];
    if (item.kind != Value::Kind::Map) return;
    const Value* v = item.find("version");
    const Value* d = item.find("date");
    if (v == nullptr || v->kind != Value::Kind::Scalar || !is_integer_text(v->scalar)) return;
    const std::string at = "changelog[" + std::to_string(i) + "]";
    if (std::stoll(v->scalar) != expected) {
      out.push_back(Violation{file, v->line, at + ".version", v->scalar, "changelog-order",
                              "changelog versions must count up from 1 by one, oldest first (" + std::string(kGuideline4) + ")",
                              std::to_string(expected)});
      return;
    }
    if (d != nullptr && d->kind == Value::Kind::Scalar) {
      const auto date = parse_iso_date(d->scalar);
      if (date && previous_date && *date < *previous_date)
        out.push_back(Violation{file, d->line, at + ".date", d->scalar, "changelog-order",
                                "a later version cannot be dated before the one it follows (" + std::string(kGuideline4) + ")",
                                "dates on or after " + previous_date->to_string()});
      if (date) previous_date = date;
    }
    newest = &item;
    ++expected;
  }
  const Value* newest_version = newest->find("version");
  if (version != nullptr && version->kind == Value::Kind::Scalar && is_integer_text(version->scalar) &&
      std::stoll(version->scalar) != std::stoll(newest_version->scalar))
    out.push_back(Violation{file, version->line, "version", version->scalar, "version-changelog",
                            "version differs from the newest changelog item's version (" + std::string(kGuideline4) + ")",
                            newest_version->scalar});
  const Value* newest_date = newest->find("date");
  // A last_reviewed that is not a date, or is in the future, is reported once, by the date rules.
  const auto reviewed_date = reviewed != nullptr && reviewed->kind == Value::Kind::Scalar ? parse_iso_date(reviewed->scalar) : std::nullopt;
  if (reviewed_date && !(today < *reviewed_date) && newest_date != nullptr && newest_date->kind == Value::Kind::Scalar &&
      parse_iso_date(newest_date->scalar) && reviewed->scalar != newest_date->scalar)
    out.push_back(Violation{file, reviewed->line, "last_reviewed", reviewed->scalar, "review-date",
                            "last_reviewed differs from the date of the newest changelog item, version " + newest_version->scalar +
                                " (" + std::string(kGuideline4) + ")",
                            newest_date->scalar});
}

}  // namespace

std::vector<Violation> lint_entry(const Entry& entry, const Schema& schema, const LintOptions& options) {
  std::vector<Violation> out;
  FieldChecker checker(entry.path.string(), options, out);
  checker.check(entry.front_matter, schema.entry, "");
  const Value* id = entry.front_matter.find("id");
  if (id != nullptr && id->kind == Value::Kind::Scalar && id->scalar != entry.file_stem())
    checker.add(id->line, "id", id->scalar, "id-file", "id does not match the file name " + entry.path.filename().string(),
                entry.file_stem() + " (or rename the file to " + id->scalar + ".md)");
  lint_versioning(entry, options.today, out);
  lint_body(entry, schema.body, out);
  return out;
}

std::vector<Violation> lint_across(const std::vector<Entry>& entries) {
  std::vector<Violation> out;
  std::map<std::string, const Entry*> by_id;
  std::vector<std::string> ids;
  for (const auto& e : entries) {
    const std::string id = e.id();
    if (id.empty()) continue;
    auto [it, inserted] = by_id.emplace(id, &e);
    if (inserted) {
      ids.push_back(id);
    } else {
      out.push_back(Violation{e.path.string(), e.front_matter.find("id")->line, "id", id, "id-unique",
                              "id is already used by " + it->second->path.string() + " (ids are never recycled)", ""});
    }
  }
  for (const auto& e : entries) {
    const Value* deps = e.front_matter.find("depends_on");
    if (deps == nullptr || deps->kind != Value::Kind::Sequence) continue;
    for (size_t i = 0; i < deps->items.size(); ++i) {
      const Value& item = deps->items[i];
      if (item.kind != Value::Kind::Scalar) continue;
      const std::string at = "depends_on[" + std::to_string(i) + "]";
      if (item.scalar == e.id()) {
        out.push_back(Violation{e.path.string(), item.line, at, item.scalar, "depends-on-self",
                                "an entry cannot depend on itself", ""});
      } else if (by_id.count(item.scalar) == 0) {
        const std::string hint = closest_match(item.scalar, ids);
        out.push_back(Violation{e.path.string(), item.line, at, item.scalar, "depends-on-exists",
                                "names no entry of this registry" + (hint.empty() ? std::string() : " (did you mean " + hint + "?)"),
                                compact_ids(ids)});
      }
    }
  }
  return out;
}

std::vector<Violation> stale_entries(const std::vector<Entry>& entries, const Date& today) {
  std::vector<Violation> out;
  for (const auto& e : entries) {
    const Value* reviewed = e.front_matter.find("last_reviewed");
    const auto cadence = e.scalar("review_cadence_days");
    if (reviewed == nullptr || reviewed->kind != Value::Kind::Scalar || !cadence || !is_integer_text(*cadence)) continue;
    const auto date = parse_iso_date(reviewed->scalar);
    if (!date) continue;  // the date rule reports it
    const long due = date->days_since_epoch() + std::stol(*cadence);
    if (today.days_since_epoch() <= due) continue;
    out.push_back(Violation{e.path.string(), reviewed->line, "last_reviewed", reviewed->scalar, "stale",
                            "stale: review was due " + date_from_days(due).to_string() + " (last_reviewed + review_cadence_days " +
                                *cadence + "); today is " + today.to_string() + ", " +
                                std::to_string(today.days_since_epoch() - due) + " days overdue",
                            "a review dated on or after " + date_from_days(today.days_since_epoch() - std::stol(*cadence)).to_string()});
  }
  return out;
}

// ---- README ----------------------------------------------------------------------------------------

namespace {

struct Claim {
  std::map<std::string, std::string> version_of;  // entry id -> schema version claimed
  int line = 0;
  std::string label;
};

// Reads {version: [ids]} into id -> version; structural problems become readme-format violations.
Claim read_claims(const Value* v, const std::string& label, int fallback_line, const std::string& file,
                  std::vector<Violation>& out) {
  Claim c;
  c.label = label;
  c.line = v != nullptr ? v->line : fallback_line;
  if (v == nullptr || v->kind != Value::Kind::Map) {
    out.push_back(Violation{file, c.line, label, v ? describe(*v) : "(missing)", "readme-format",
                            "expected a mapping of schema version -> list of entry ids", ""});
    return c;
  }
  for (const auto& [version, ids] : v->fields) {
    if (ids.kind != Value::Kind::Sequence) continue;
    for (const auto& id : ids.items)
      if (id.kind == Value::Kind::Scalar) c.version_of[id.scalar] = version;
  }
  return c;
}

// Schema versions "v0.2" < "v0.10": compared number by number after the 'v'.
bool version_less(const std::string& a, const std::string& b) {
  auto parts = [](const std::string& v) {
    std::vector<long> p;
    std::string digits;
    for (const char c : v + ".") {
      if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
      else if (!digits.empty()) {
        p.push_back(std::stol(digits.substr(0, 9)));
        digits.clear();
      }
    }
    return p;
  };
  const auto pa = parts(a), pb = parts(b);
  return pa != pb ? pa < pb : a < b;
}

std::set<std::string> scalar_set(const Value& v) {
  std::set<std::string> s;
  for (const auto& item : v.items)
    if (item.kind == Value::Kind::Scalar) s.insert(item.scalar);
  return s;
}

std::string set_text(const std::set<std::string>& s) {
  return "{" + compact_ids(std::vector<std::string>(s.begin(), s.end())) + "}";
}

}  // namespace

std::vector<Violation> lint_readme(const Entry& readme, const std::vector<Entry>& entries, const Schema& schema) {
  std::vector<Violation> out;
  const std::string file = readme.path.string();
  const Value* note = readme.front_matter.find("migration_note");
  const Value* log = readme.front_matter.find("change_log");
  if (note == nullptr && log == nullptr) return out;  // a README that records no history
  if (note == nullptr || note->kind != Value::Kind::Map || log == nullptr || log->kind != Value::Kind::Sequence ||
      log->items.empty()) {
    out.push_back(Violation{file, readme.front_matter.line, "migration_note/change_log", "(malformed)", "readme-format",
                            "expected migration_note (a mapping) and change_log (a non-empty list), see registry/README.md", ""});
    return out;
  }

  // The migration note is about one schema version: the highest one its claims name (v0.2 in the
  // seed). It is compared with the newest change-log entry for that version, and the entries are
  // judged at that version, so a later schema (v0.3 added version and changelog) recorded by a new
  // change-log entry does not rewrite what the v0.2 records said about each other.
  std::string note_version;
  if (const Value* claims = note->find("schema_version_claims"); claims != nullptr && claims->kind == Value::Kind::Map)
    for (const auto& [version, ids] : claims->fields)
      if (note_version.empty() || version_less(note_version, version)) note_version = version;
  if (note_version.empty()) note_version = schema.version;
  // The newest change-log entry for that version: the greatest (date, version) among them; the seed
  // lists the log newest first, but the order of the list is not what makes an entry newest. When no
  // entry names that version, the newest entry of all.
  const Value* newest = nullptr;
  std::pair<std::string, std::string> newest_key;
  for (const bool same_version_only : {true, false}) {
    for (const auto& item : log->items) {
      if (item.kind != Value::Kind::Map) continue;
      const Value* date = item.find("date");
      const Value* version = item.find("version");
      std::pair<std::string, std::string> key{date ? date->scalar : "", version ? version->scalar : ""};
      if (same_version_only && key.second != note_version) continue;
      if (newest == nullptr || newest_key < key) {
        newest = &item;
        newest_key = key;
      }
    }
    if (newest != nullptr) break;
  }
  if (newest == nullptr) return out;
  const std::string log_label = "change_log " + newest_key.first + " " + newest_key.second;
  const Claim note_claim = read_claims(note->find("schema_version_claims"), "migration_note.schema_version_claims", note->line, file, out);
  const Claim log_claim = read_claims(newest->find("schema_version_claims"), "change_log[newest].schema_version_claims", newest->line, file, out);

  // What each entry's own front matter supports: the note's version when it carries every field
  // that version added, else "before <version>".
  const std::vector<std::string> added = schema.fields_since(note_version);
  struct Group {
    std::vector<std::string> ids;
  };
  std::map<std::tuple<std::string, std::string, std::string>, Group> groups;  // (note, log, actual)
  for (const auto& e : entries) {
    const std::string id = e.id();
    if (id.empty()) continue;
    const bool carries_all = std::all_of(added.begin(), added.end(), [&](const std::string& f) { return e.front_matter.find(f) != nullptr; });
    const std::string actual = carries_all ? note_version : "before " + note_version;
    auto lookup = [&](const Claim& c) {
      auto it = c.version_of.find(id);
      return it == c.version_of.end() ? std::string() : it->second;  // "" = the record does not list it
    };
    const std::string n = lookup(note_claim), l = lookup(log_claim);
    if (n == actual && l == actual) continue;
    // An entry written after both records (registry new) is in neither: they say nothing about it.
    if (n.empty() && l.empty()) continue;
    groups[{n, l, actual}].ids.push_back(id);
  }
  const Value* complete = note->find("complete");
  const std::string complete_text = complete != nullptr && complete->kind == Value::Kind::Scalar && complete->scalar == "true"
                                        ? " and calls the migration complete" : "";
  for (const auto& [key, group] : groups) {
    const auto& [n, l, actual] = key;
    const std::string ids = compact_ids(group.ids);
    const std::string are = group.ids.size() == 1 ? " is" : " are";
    std::string message = "the migration note (line " + std::to_string(note_claim.line) + ") " +
                          (n.empty() ? "does not list " + ids : "says " + ids + are + " on " + n) + complete_text +
                          "; the newest change-log entry for " + note_version + ", " + log_label + " (line " + std::to_string(log_claim.line) + "), " +
                          (l.empty() ? "does not list " + (group.ids.size() == 1 ? std::string("it") : "them") : "says " + l) + "; ";
    std::string supports = group.ids.size() == 1 ? "its front matter " : "their front matter ";
    std::string fields;
    for (const auto& f : added) fields += (fields.empty() ? "" : ", ") + f;
    supports += actual == note_version ? "carries all the fields " + note_version + " added (" + fields + ")"
                                         : "lacks one or more of the fields " + note_version + " added (" + fields + ")";
    int line = note_claim.line;
    if (n == actual && l != actual) {
      message += supports + ", so the change log is the stale side";
      line = log_claim.line;
    } else if (l == actual && n != actual) {
      message += supports + ", so the migration note is the stale side";
    } else {
      message += supports + ", so neither record matches the entries";
    }
    out.push_back(Violation{file, line, "schema_version_claims", ids, "readme-history", message, ""});
  }

  // The migration note's generated dependency graph against the entries' depends_on.
  const Value* graph = note->find("dependency_graph");
  if (graph != nullptr && graph->kind == Value::Kind::Map) {
    std::map<std::string, std::pair<std::set<std::string>, int>> claimed;
    for (size_t i = 0; i < graph->fields.size(); ++i)
      claimed[graph->fields[i].first] = {scalar_set(graph->fields[i].second), graph->key_lines[i]};
    std::map<std::string, std::set<std::string>> actual;
    for (const auto& e : entries) {
      const auto deps = e.depends_on();
      if (!e.id().empty() && !deps.empty()) actual[e.id()] = std::set<std::string>(deps.begin(), deps.end());
    }
    std::set<std::string> ids;
    for (const auto& [id, _] : claimed) ids.insert(id);
    for (const auto& [id, _] : actual) ids.insert(id);
    std::vector<std::string> sorted(ids.begin(), ids.end());
    std::sort(sorted.begin(), sorted.end(), id_less);
    for (const auto& id : sorted) {
      auto c = claimed.find(id);
      auto a = actual.find(id);
      const std::set<std::string> cs = c == claimed.end() ? std::set<std::string>{} : c->second.first;
      const std::set<std::string> as = a == actual.end() ? std::set<std::string>{} : a->second;
      if (cs == as) continue;
      out.push_back(Violation{file, c == claimed.end() ? graph->line : c->second.second, "dependency_graph." + id,
                              id + " <- " + set_text(cs), "readme-graph",
                              "the migration note's dependency graph differs from " + id + ".md, whose depends_on is " + set_text(as), ""});
    }
  }
  return out;
}

LintReport lint_registry(const fs::path& dir, const Schema& schema, const LintOptions& options) {
  LintReport report;
  report.dir = dir;
  const std::vector<Entry> entries = read_entries(dir);
  report.entry_count = entries.size();
  std::map<std::string, size_t> file_rank;
  for (const auto& e : entries) {
    file_rank.emplace(e.path.string(), file_rank.size());
    auto v = lint_entry(e, schema, options);
    report.violations.insert(report.violations.end(), v.begin(), v.end());
  }
  auto across = lint_across(entries);
  report.violations.insert(report.violations.end(), across.begin(), across.end());
  if (options.today_for_stale) {
    auto stale = stale_entries(entries, *options.today_for_stale);
    report.violations.insert(report.violations.end(), stale.begin(), stale.end());
  }
  const fs::path readme_path = dir / "README.md";
  std::error_code ec;
  if (fs::is_regular_file(readme_path, ec)) {
    std::ifstream in(readme_path);
    std::string first;
    std::getline(in, first);
    if (first == "---") {  // a README without front matter records no history to check
      const Entry readme = read_entry(readme_path);
      file_rank.emplace(readme_path.string(), file_rank.size());
      auto v = lint_readme(readme, entries, schema);
      report.violations.insert(report.violations.end(), v.begin(), v.end());
    }
  }
  std::stable_sort(report.violations.begin(), report.violations.end(), [&](const Violation& a, const Violation& b) {
    const size_t ra = file_rank.count(a.file) ? file_rank.at(a.file) : file_rank.size();
    const size_t rb = file_rank.count(b.file) ? file_rank.at(b.file) : file_rank.size();
    return std::tie(ra, a.line) < std::tie(rb, b.line);
  });
  return report;
}

namespace {

// The content of a value, lines ignored, so two readings of the same facts compare equal.
std::string canonical(const Value& v) {
  switch (v.kind) {
    case Value::Kind::Null: return "~";
    case Value::Kind::Scalar: return "'" + v.scalar + "'";
    case Value::Kind::Sequence: {
      std::string s = "[";
      for (const auto& item : v.items) s += canonical(item) + ",";
      return s + "]";
    }
    case Value::Kind::Map: {
      std::string s = "{";
      for (const auto& [k, sub] : v.fields)
        if (k != "version" && k != "changelog" && k != "last_reviewed") s += k + ":" + canonical(sub) + ",";
      return s + "}";
    }
  }
  return "";
}

}  // namespace

std::vector<Violation> lint_edits(const std::vector<Entry>& entries, const std::string& rev) {
  std::vector<Violation> out;
  for (const auto& e : entries) {
    const auto before_text = git_file_at(e.path, rev);
    if (!before_text) continue;  // new since rev
    Entry before;
    try {
      before = parse_entry(*before_text, e.path);
    } catch (const InputError&) {
      continue;  // unreadable at rev: nothing to compare with
    }
    if (canonical(before.front_matter) == canonical(e.front_matter) && before.body == e.body) continue;
    const std::string guideline = "contribution guideline 4: last_reviewed is updated on every edit";
    const auto was = before.scalar("last_reviewed").value_or("");
    const Value* now = e.front_matter.find("last_reviewed");
    const auto was_date = parse_iso_date(was);
    const auto now_date = now && now->kind == Value::Kind::Scalar ? parse_iso_date(now->scalar) : std::nullopt;
    if (was_date && now_date && !(*was_date < *now_date))
      out.push_back(Violation{e.path.string(), now->line, "last_reviewed", now->scalar, "review-not-updated",
                              "the entry's facts or body changed since " + rev + ", but last_reviewed did not move (" + guideline + ")",
                              "a date after " + was});
    const auto was_version = before.scalar("version");
    const Value* version = e.front_matter.find("version");
    if (was_version && is_integer_text(*was_version) && version && version->kind == Value::Kind::Scalar &&
        is_integer_text(version->scalar) && std::stoll(version->scalar) <= std::stoll(*was_version))
      out.push_back(Violation{e.path.string(), version->line, "version", version->scalar, "version-not-bumped",
                              "the entry's facts or body changed since " + rev + ", but version is not higher than there (" + guideline +
                                  ", with a changelog item for the new version)",
                              std::to_string(std::stoll(*was_version) + 1)});
  }
  return out;
}

std::vector<bool> known_in_baseline(const LintReport& report, const fs::path& baseline_json) {
  std::ifstream in(baseline_json);
  if (!in) throw InputError(baseline_json.string(), "open", "cannot read the baseline (the output of registry lint --json)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(baseline_json.string(), "parse", std::string("not JSON: ") + e.what());
  }
  if (!j.is_object() || !j.contains("violations") || !j["violations"].is_array() || !j.contains("dir") || !j["dir"].is_string())
    throw InputError(baseline_json.string(), "/violations", "expected the output of registry lint --json (an object with dir and violations)");
  auto relative = [](const std::string& dir, const std::string& file) {
    const std::string prefix = dir + "/";
    return file.rfind(prefix, 0) == 0 ? file.substr(prefix.size()) : fs::path(file).filename().string();
  };
  std::set<std::tuple<std::string, std::string, std::string, std::string>> known;
  const std::string base_dir = j["dir"].get<std::string>();
  for (const auto& v : j["violations"])
    if (v.is_object())
      known.insert({relative(base_dir, v.value("file", "")), v.value("field", ""), v.value("rule", ""), v.value("value", "")});
  std::vector<bool> out;
  for (const auto& v : report.violations) out.push_back(known.count({relative(report.dir.string(), v.file), v.field, v.rule, v.value}) > 0);
  return out;
}

nlohmann::json to_json(const LintReport& report) {
  nlohmann::json j;
  j["dir"] = report.dir.string();
  j["entries_checked"] = report.entry_count;
  j["clean"] = report.clean();
  j["violation_count"] = report.violations.size();
  nlohmann::json by_rule = nlohmann::json::object();
  nlohmann::json list = nlohmann::json::array();
  for (const auto& v : report.violations) {
    by_rule[v.rule] = by_rule.value(v.rule, 0) + 1;
    list.push_back({{"file", v.file}, {"line", v.line}, {"field", v.field}, {"value", v.value}, {"rule", v.rule},
                    {"message", v.message}, {"accepted", v.accepted}, {"text", v.to_string()}});
  }
  j["violations_by_rule"] = by_rule;
  j["violations"] = list;
  return j;
}

std::string to_text(const LintReport& report) {
  std::ostringstream out;
  std::set<std::string> files;
  for (const auto& v : report.violations) {
    out << v.to_string() << "\n";
    files.insert(v.file);
  }
  if (report.clean())
    out << report.dir.string() << ": " << report.entry_count << " entr" << (report.entry_count == 1 ? "y" : "ies") << ", no violations\n";
  else
    out << report.dir.string() << ": " << report.entry_count << " entr" << (report.entry_count == 1 ? "y" : "ies") << ", " << report.violations.size() << " violation"
        << (report.violations.size() == 1 ? "" : "s") << " in " << files.size() << " file" << (files.size() == 1 ? "" : "s") << "\n";
  return out.str();
}

}  // namespace infersim::registry
