#include "registry/audit_findings.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <sstream>

#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"
#include "registry/taxonomy.hpp"

namespace infersim::registry {

namespace fs = std::filesystem;

const std::vector<std::string> kGenericCitationWords = {
    "various",   "ongoing",      "emerging",        "vendor",   "vendors",   "industry",
    "disclosures", "announcements", "examples",     "roadmaps", "architectures", "practice",
    "implementations", "work",    "ecosystem",       "lineage",  "support",   "undocumented"};

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

ClaimResult finding(const std::string& id, const std::string& section, const std::string& statement,
                    const std::string& quantity, const std::string& method, Severity severity) {
  ClaimResult c;
  c.id = id;
  c.origin = "registry";
  c.section = section;
  c.statement = statement;
  c.quantity = quantity;
  c.method = method;
  c.severity = severity;
  return c;
}

// "file:line: field: value: message" lines of some violations, capped for the reason text.
std::string list_violations(const std::vector<Violation>& vs, size_t cap = 4) {
  std::string out;
  for (size_t k = 0; k < vs.size() && k < cap; ++k) {
    if (k) out += " | ";
    out += fs::path(vs[k].file).filename().string() + ":" + std::to_string(vs[k].line) + " " + vs[k].field + ": " +
           vs[k].value + " (" + vs[k].message + ")";
  }
  if (vs.size() > cap) out += " | ... " + std::to_string(vs.size() - cap) + " more (see details)";
  return out;
}

nlohmann::json violations_json(const std::vector<Violation>& vs) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& v : vs)
    arr.push_back({{"file", v.file}, {"line", v.line}, {"field", v.field}, {"value", v.value}, {"rule", v.rule},
                   {"message", v.message}, {"accepted", v.accepted}});
  return arr;
}

std::vector<std::string> files_of(const std::vector<Violation>& vs) {
  std::vector<std::string> ids;
  for (const auto& v : vs) {
    std::string stem = fs::path(v.file).stem().string();
    if (std::find(ids.begin(), ids.end(), stem) == ids.end()) ids.push_back(stem);
  }
  return ids;
}

// A lint rule as one finding: consistent when the rule never fires.
ClaimResult lint_finding(const std::string& id, const std::string& rule, const std::string& statement,
                         const std::string& quantity, const std::string& stated, Severity severity,
                         const std::vector<Violation>& all, size_t entries) {
  std::vector<Violation> hits;
  for (const auto& v : all)
    if (v.rule == rule) hits.push_back(v);
  ClaimResult c = finding(id, "registry (lint rule " + rule + ")", statement, quantity, "registry lint", severity);
  c.stated_text = stated;
  c.has_recomputed = true;
  c.recomputed_low = c.recomputed_high = static_cast<double>(hits.size());
  if (hits.empty()) {
    c.verdict = Verdict::consistent;
    c.recomputed_text = "no violation in " + std::to_string(entries) + " entries";
    c.reason = "`registry lint` finds no " + rule + " violation";
  } else {
    c.verdict = Verdict::inconsistent;
    c.recomputed_text = std::to_string(hits.size()) + " violation(s) in " + compact_ids(files_of(hits));
    c.reason = "`registry lint` reports: " + list_violations(hits);
    c.details = {{"violations", violations_json(hits)}};
  }
  return c;
}

bool is_year_char(char ch) { return ch >= '0' && ch <= '9'; }

}  // namespace

CitationCheck check_citation(const std::string& citation) {
  CitationCheck out;
  std::vector<std::string> parts;
  {
    std::stringstream in(citation);
    for (std::string part; std::getline(in, part, ';');)
      if (!trim(part).empty()) parts.push_back(trim(part));
  }
  if (parts.empty()) {
    out.specific = false;
    out.why = "empty";
    return out;
  }
  static const std::regex kYear("(^|[^0-9A-Za-z])((19|20)[0-9][0-9])([^0-9]|$)");
  static const std::regex kWord("[A-Za-z]+");
  for (const auto& part : parts) {
    int years = 0;
    bool open_or_range = false;
    for (auto it = std::sregex_iterator(part.begin(), part.end(), kYear); it != std::sregex_iterator(); ++it) {
      ++years;
      const size_t end = static_cast<size_t>(it->position(2) + it->length(2));
      const size_t begin = static_cast<size_t>(it->position(2));
      if (end < part.size() && (part[end] == '+' || (part[end] == '-' && end + 1 < part.size() && is_year_char(part[end + 1]))))
        open_or_range = true;
      if (begin > 0 && part[begin - 1] == '-') open_or_range = true;
    }
    std::string generic;
    for (auto it = std::sregex_iterator(part.begin(), part.end(), kWord); it != std::sregex_iterator(); ++it) {
      const std::string w = lower(it->str());
      if (std::find(kGenericCitationWords.begin(), kGenericCitationWords.end(), w) != kGenericCitationWords.end()) {
        generic = w;
        break;
      }
    }
    std::string why;
    if (years == 0) why = "no year";
    else if (open_or_range) why = "an open-ended or ranged year";
    else if (years > 1) why = "more than one year";
    else if (!generic.empty()) why = "a generic source ('" + generic + "')";
    if (!why.empty()) {
      out.specific = false;
      out.why = "'" + part + "' has " + why;
      return out;
    }
  }
  return out;
}

std::vector<SeedSection> read_seed_sections(const fs::path& seed) {
  const std::string text = read_input_file(seed.string());
  std::vector<std::string> lines;
  {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(line);
    }
  }
  static const std::regex kHeading("^## (B[1-9][0-9]*) (—|-|–) (.*)$");
  std::vector<SeedSection> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::smatch m;
    if (!std::regex_match(lines[i], m, kHeading)) continue;
    SeedSection s;
    s.id = m[1];
    s.heading = trim(m[3]);
    s.heading_line = static_cast<int>(i + 1);
    size_t k = i + 1;
    while (k < lines.size() && trim(lines[k]) != "```yaml" && lines[k].rfind("## ", 0) != 0) ++k;
    if (k == lines.size() || trim(lines[k]) != "```yaml")
      throw InputError(seed.string(), "line " + std::to_string(i + 1),
                       "section " + s.id + " has no ```yaml block before the next section");
    size_t close = k + 1;
    while (close < lines.size() && trim(lines[close]) != "```") ++close;
    if (close == lines.size())
      throw InputError(seed.string(), "line " + std::to_string(k + 1), "the ```yaml block of " + s.id + " is never closed");
    size_t end = close + 1;
    while (end < lines.size() && trim(lines[end]) != "---" && lines[end].rfind("## ", 0) != 0) ++end;
    std::string synthetic = "---\n";
    for (size_t j = k + 1; j < close; ++j) synthetic += lines[j] + "\n";
    synthetic += "---\n";
    for (size_t j = close + 1; j < end; ++j) synthetic += lines[j] + "\n";
    try {
      s.entry = parse_entry(synthetic, seed.string() + " (" + s.id + ")");
    } catch (const InputError& e) {
      throw InputError(seed.string(), "section " + s.id + " (line " + std::to_string(s.heading_line) + ")", e.message());
    }
    s.body_line = static_cast<int>(close + 2);
    out.push_back(std::move(s));
    i = end > 0 ? end - 1 : end;
  }
  if (out.empty())
    throw InputError(seed.string(), "line 1", "no '## B<n> — name' section found: not a seed registry document");
  return out;
}

std::vector<ClaimResult> registry_findings(const RegistryAuditOptions& o) {
  std::vector<ClaimResult> out;
  const std::vector<Entry> entries = read_entries(o.dir);
  const Schema schema = load_schema(o.schema);
  LintOptions lo;
  lo.today = o.today;
  const LintReport lint = lint_registry(o.dir, schema, lo);
  fs::path dir_path = o.dir.lexically_normal();
  if (dir_path.filename().empty()) dir_path = dir_path.parent_path();  // "registry/" -> "registry"
  const std::string dir = dir_path.filename().string() + "/";

  {  // §1.1 and §6: eighteen entries.
    ClaimResult c = finding("registry-entry-count", "§1.1, §6 vs " + dir,
                            "The paper's registry seed has eighteen bottlenecks (§1.1: 'Eighteen frontier-inference "
                            "bottlenecks'; §6: 'the seed (18 entries)').",
                            "entries in the registry folder", "registry count", Severity::low);
    c.stated_low = c.stated_high = 18;
    c.has_recomputed = true;
    c.recomputed_low = c.recomputed_high = static_cast<double>(entries.size());
    c.verdict = entries.size() == 18 ? Verdict::consistent : Verdict::inconsistent;
    c.reason = std::to_string(entries.size()) + " entry files in " + o.dir.string();
    out.push_back(c);
  }

  {  // The taxonomy note and the abstract, recounted from the entries' type field.
    const TaxonomyReport tax = recount_taxonomy(entries);
    std::map<std::string, int> seen;
    for (const auto& check : tax.claims) {
      const PaperStatement* st = nullptr;
      for (const auto& p : paper_statements())
        if (p.id == check.statement_id) st = &p;
      const int n = ++seen[check.statement_id];
      const Severity sev = check.statement_id == "abstract-11" || check.statement_id == "note-80pct" ? Severity::high
                                                                                                     : Severity::medium;
      ClaimResult c = finding("registry-taxonomy-" + check.statement_id + "-" + std::to_string(n),
                              st ? st->where.substr(st->where.find(", ") + 2) + " vs registry types" : "registry",
                              st ? "'" + st->text + "'" : check.statement_id, check.reading, "registry taxonomy", sev);
      c.stated_text = check.stated;
      c.recomputed_text = check.found;
      c.verdict = check.holds ? Verdict::consistent : Verdict::inconsistent;
      c.reason = std::string(check.holds ? "holds" : "differs") + " under this reading: stated " + check.stated +
                 ", found " + check.found + " (`registry taxonomy` has the type-to-bucket mapping)";
      out.push_back(c);
    }
    ClaimResult t = finding("registry-taxonomy-table-types", "§6 table vs registry types",
                            "The §6 table's Type column names each entry's type.",
                            "entries whose §6 table Type differs from the YAML type", "registry taxonomy", Severity::low);
    t.stated_text = "the YAML type of each entry";
    t.has_recomputed = true;
    t.recomputed_low = t.recomputed_high = static_cast<double>(tax.table_type_differences.size());
    t.recomputed_text = std::to_string(tax.table_type_differences.size()) + " differ";
    t.verdict = tax.table_type_differences.empty() ? Verdict::consistent : Verdict::inconsistent;
    std::string lines;
    for (const auto& d : tax.table_type_differences) lines += (lines.empty() ? "" : "; ") + d;
    t.reason = tax.table_type_differences.empty() ? "every table Type maps to the YAML type" : lines;
    out.push_back(t);
  }

  const size_t n_entries = lint.entry_count;
  out.push_back(lint_finding("registry-migration-note", "readme-history",
                             "The seed's migration note ('v0.2 complete: all 18 entries are on v0.2') agrees with its change "
                             "log and with the entries' fields.",
                             "migration note vs change log", "one schema version per entry on both sides", Severity::medium,
                             lint.violations, n_entries));
  out.push_back(lint_finding("registry-dependency-graph", "readme-graph",
                             "The migration note's generated dependency graph is the entries' depends_on.",
                             "migration note's graph vs depends_on", "the same edges", Severity::medium, lint.violations,
                             n_entries));
  out.push_back(lint_finding("registry-body-words", "body-words",
                             "Every entry body is 200-600 words (the schema's x-body, the seed schema's 'free-form prose, "
                             "200-600 words').",
                             "entries whose body is outside 200-600 words", "200-600 words each", Severity::low,
                             lint.violations, n_entries));
  out.push_back(lint_finding("registry-body-headings", "body-heading",
                             "Every entry body answers the schema's four questions under its four level-2 headings.",
                             "entries missing a required heading", "the four headings, in order", Severity::low,
                             lint.violations, n_entries));
  {  // Every other rule that fires, one finding per rule.
    const std::vector<std::string> shown = {"readme-history", "readme-graph", "body-words", "body-heading"};
    std::vector<std::string> rules;
    for (const auto& v : lint.violations)
      if (std::find(shown.begin(), shown.end(), v.rule) == shown.end() &&
          std::find(rules.begin(), rules.end(), v.rule) == rules.end())
        rules.push_back(v.rule);
    for (const auto& rule : rules)
      out.push_back(lint_finding("registry-lint-" + rule, rule,
                                 "Every entry conforms to registry/schema.json under lint rule '" + rule + "'.",
                                 "violations of rule " + rule, "none", Severity::low, lint.violations, n_entries));
    if (rules.empty()) {
      ClaimResult c = finding("registry-lint-schema", "registry (lint)",
                              "Every entry conforms to registry/schema.json (all other lint rules).",
                              "other lint violations", "registry lint", Severity::low);
      c.stated_text = "none";
      c.recomputed_text = "none";
      c.has_recomputed = true;
      c.verdict = Verdict::consistent;
      c.reason = "`registry lint` finds no other violation";
      out.push_back(c);
    }
  }

  {  // Citations a reader cannot look up.
    int total = 0;
    std::vector<std::string> vague;
    nlohmann::json details = nlohmann::json::array();
    for (const auto& e : entries) {
      const Value* ks = e.front_matter.find("known_solutions");
      if (ks == nullptr || ks->kind != Value::Kind::Sequence) continue;
      for (size_t k = 0; k < ks->items.size(); ++k) {
        const Value* cit = ks->items[k].find("citation");
        if (cit == nullptr || cit->kind != Value::Kind::Scalar) continue;  // lint's required rule covers it
        ++total;
        const CitationCheck check = check_citation(cit->scalar);
        if (!check.specific) {
          vague.push_back(e.id() + " '" + cit->scalar + "'");
          details.push_back({{"entry", e.id()}, {"file", e.path.string()}, {"line", cit->line},
                             {"field", "known_solutions[" + std::to_string(k) + "].citation"},
                             {"citation", cit->scalar}, {"why", check.why}});
        }
      }
    }
    ClaimResult c = finding("registry-citations", "registry (contribution guideline 1)",
                            "Each known solution carries a citation a reader can look up (one dated source per part).",
                            "citations that are not specific", "registry citations", Severity::medium);
    c.stated_text = "0 of " + std::to_string(total);
    c.has_recomputed = true;
    c.recomputed_low = c.recomputed_high = static_cast<double>(vague.size());
    c.recomputed_text = std::to_string(vague.size()) + " of " + std::to_string(total);
    c.verdict = vague.empty() ? Verdict::consistent : Verdict::inconsistent;
    std::string list;
    for (size_t k = 0; k < vague.size() && k < 6; ++k) list += (k ? "; " : "") + vague[k];
    if (vague.size() > 6) list += "; ... " + std::to_string(vague.size() - 6) + " more (see details)";
    c.reason = vague.empty() ? "every citation names one dated source"
                             : std::to_string(vague.size()) + " of " + std::to_string(total) +
                                   " citations name no single dated source (no year, a year range or '+', or a generic "
                                   "source word): " + list;
    if (!vague.empty()) c.details = {{"not_specific", details}};
    out.push_back(c);
  }

  if (!o.seed) {
    ClaimResult c = finding("registry-seed", "seed registry document",
                            "The seed document's section headings, names and body lengths.",
                            "seed headings, names and bodies", "registry seed", Severity::low);
    c.verdict = Verdict::underdetermined;
    c.reason = "the seed registry document was not found (looked for " + o.seed_looked_for +
               "; pass --registry-seed FILE): its headings, names and body lengths are not checked";
    out.push_back(c);
    return out;
  }

  const std::vector<SeedSection> seed = read_seed_sections(*o.seed);
  const std::string seed_name = o.seed->filename().string();
  {
    std::vector<std::string> differ;
    nlohmann::json details = nlohmann::json::array();
    for (const auto& s : seed) {
      const std::string name = s.entry.scalar("name").value_or("");
      if (name != s.heading) {
        differ.push_back(s.id);
        details.push_back({{"id", s.id}, {"line", s.heading_line}, {"heading", s.heading}, {"name", name}});
      }
    }
    ClaimResult c = finding("registry-seed-headings", "seed registry (" + seed_name + ")",
                            "Each seed section heading '## B<n> — ...' is the entry's `name` (the schema's 'short canonical name').",
                            "seed sections whose heading differs from the name", "registry seed", Severity::low);
    c.stated_text = "0 of " + std::to_string(seed.size());
    c.has_recomputed = true;
    c.recomputed_low = c.recomputed_high = static_cast<double>(differ.size());
    c.recomputed_text = std::to_string(differ.size()) + " of " + std::to_string(seed.size());
    c.verdict = differ.empty() ? Verdict::consistent : Verdict::inconsistent;
    std::string list;
    for (size_t k = 0; k < details.size() && k < 3; ++k)
      list += std::string(k ? "; " : "") + details[k]["id"].get<std::string>() + " '" +
              details[k]["heading"].get<std::string>() + "' vs name '" + details[k]["name"].get<std::string>() + "'";
    c.reason = differ.empty() ? "every heading is its name"
                              : compact_ids(differ) + " carry two names, heading and `name`: " + list +
                                    (details.size() > 3 ? "; ... (see details)" : "");
    if (!differ.empty()) c.details = {{"differ", details}};
    out.push_back(c);
  }
  {
    std::map<std::string, std::string> names;
    for (const auto& e : entries) names[e.id()] = e.scalar("name").value_or("");
    std::vector<std::string> differ, missing;
    nlohmann::json details = nlohmann::json::array();
    for (const auto& s : seed) {
      const std::string seed_value = s.entry.scalar("name").value_or("");
      auto it = names.find(s.id);
      if (it == names.end()) missing.push_back(s.id);
      else if (it->second != seed_value) {
        differ.push_back(s.id);
        details.push_back({{"id", s.id}, {"seed", seed_value}, {"registry", it->second}});
      }
    }
    ClaimResult c = finding("registry-names-vs-seed", "seed registry vs " + dir,
                            "The registry's entries carry the seed's names unchanged (their changelogs: facts carried over "
                            "as written).",
                            "seed sections whose name differs from the entry's, or that have no entry", "registry seed",
                            Severity::low);
    c.stated_text = "0 of " + std::to_string(seed.size());
    c.has_recomputed = true;
    c.recomputed_low = c.recomputed_high = static_cast<double>(differ.size() + missing.size());
    c.recomputed_text = std::to_string(differ.size() + missing.size()) + " of " + std::to_string(seed.size());
    c.verdict = differ.empty() && missing.empty() ? Verdict::consistent : Verdict::inconsistent;
    c.reason = differ.empty() && missing.empty()
                   ? "every seed name is the entry's name"
                   : (differ.empty() ? "" : "names differ: " + compact_ids(differ)) +
                         (missing.empty() ? "" : std::string(differ.empty() ? "" : "; ") + "no entry: " + compact_ids(missing));
    if (!details.empty()) c.details = {{"differ", details}};
    out.push_back(c);
  }
  {
    std::vector<Violation> hits;
    std::vector<int> words;
    for (const auto& s : seed)
      for (auto v : lint_entry(s.entry, schema, lo))
        if (v.rule == "body-words") {
          v.file = o.seed->string() + " (" + s.id + ")";
          v.line = s.body_line;
          words.push_back(std::atoi(v.value.c_str()));
          hits.push_back(v);
        }
    ClaimResult c = finding("registry-seed-body-words", "seed registry (" + seed_name + ")",
                            "The seed's schema: 'Body: free-form prose, 200-600 words'; its own bodies, counted by lint's "
                            "body-words rule.",
                            "seed bodies outside 200-600 words", "registry lint (body-words) on the seed", Severity::low);
    c.stated_low = schema.body.min_words;
    c.stated_high = schema.body.max_words;
    c.stated_text = std::to_string(schema.body.min_words) + "-" + std::to_string(schema.body.max_words) + " words each";
    c.has_recomputed = true;
    c.recomputed_low = c.recomputed_high = static_cast<double>(hits.size());
    c.recomputed_text = std::to_string(hits.size()) + " of " + std::to_string(seed.size()) + " outside";
    if (!words.empty())
      c.recomputed_text += " (" + std::to_string(*std::min_element(words.begin(), words.end())) + "-" +
                           std::to_string(*std::max_element(words.begin(), words.end())) + " words)";
    c.verdict = hits.empty() ? Verdict::consistent : Verdict::inconsistent;
    c.reason = hits.empty() ? "every seed body is within the range"
                            : std::to_string(hits.size()) + " of " + std::to_string(seed.size()) +
                                  " seed bodies are outside the seed's own range: " + list_violations(hits, 3);
    if (!hits.empty()) c.details = {{"violations", violations_json(hits)}};
    out.push_back(c);
  }
  return out;
}

}  // namespace infersim::registry
