// `infersim registry site`: gather (read, lint, graph, history, quantify), render (pure), write
// (temporary folder + rename). Page structure and the reasons for it are in site.hpp.
#include "registry/site.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "descriptors/input_error.hpp"
#include "format/format.hpp"
#include "registry/feed.hpp"
#include "registry/graph_svg.hpp"
#include "registry/html.hpp"
#include "version/version.hpp"

namespace infersim::registry {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

constexpr const char* kSiteSchema = "infersim-registry-site/1";

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file.string(), "open", "cannot read the file");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string field(const Entry& e, const std::string& key) { return e.scalar(key).value_or(""); }

std::optional<int> int_field(const Entry& e, const std::string& key) {
  const std::string t = field(e, key);
  if (t.empty() || t.size() > 9 || !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  return std::stoi(t);
}

// The newest valid date an entry carries (last_reviewed, changelog dates), or "".
std::string newest_data_date(const Entry& e) {
  std::string newest;
  if (const auto d = parse_iso_date(field(e, "last_reviewed"))) newest = d->to_string();
  for (const auto& h : changelog_history(e))
    if (parse_iso_date(h.date)) newest = std::max(newest, h.date);
  return newest;
}

std::string relative_file(const fs::path& dir, const std::string& file) {
  const std::string prefix = dir.string() + "/";
  return file.rfind(prefix, 0) == 0 ? file.substr(prefix.size()) : file;
}

// The registry-level records of README.md's front matter (change_log), as history items.
std::vector<HistoryItem> registry_changes(const fs::path& dir) {
  std::vector<HistoryItem> out;
  const fs::path readme = dir / "README.md";
  std::error_code ec;
  if (!fs::is_regular_file(readme, ec)) return out;
  const std::string text = read_text(readme);
  if (text.rfind("---\n", 0) != 0) return out;
  const Entry r = parse_entry(text, readme);
  const Value* log = r.front_matter.find("change_log");
  if (log == nullptr || log->kind != Value::Kind::Sequence) return out;
  for (const auto& item : log->items) {
    const Value* d = item.find("date");
    const Value* v = item.find("version");
    const Value* t = item.find("text");
    if (d && v && t && d->kind == Value::Kind::Scalar && v->kind == Value::Kind::Scalar && t->kind == Value::Kind::Scalar)
      out.push_back({d->scalar, v->scalar, t->scalar});
  }
  return out;
}

}  // namespace

// ---- gather ----------------------------------------------------------------------------------------

SiteInput gather_site_input(const SiteOptions& options) {
  SiteInput in;
  in.registry_dir = options.registry_dir;
  in.schema = load_schema(options.schema_file);
  in.entries = read_entries(options.registry_dir);

  std::string newest;
  for (const auto& e : in.entries) newest = std::max(newest, newest_data_date(e));
  if (options.today) {
    in.as_of = *options.today;
    in.as_of_source = "--today";
  } else if (const auto head = git_head_date(options.registry_dir); head && parse_iso_date(*head)) {
    // An uncommitted edit may be dated after HEAD; the later of the two keeps it out of the future.
    in.as_of = *parse_iso_date(std::max(*head, newest));
    in.as_of_source = *head >= newest ? "the registry's git HEAD commit date" : "the newest date in the entries";
  } else if (const auto d = parse_iso_date(newest)) {
    in.as_of = *d;
    in.as_of_source = "the newest date in the entries";
  } else {
    throw InputError(options.registry_dir.string(), "as of", "no git HEAD and no valid date in any entry; pass --today YYYY-MM-DD");
  }

  LintOptions lo;
  lo.today = in.as_of;
  lo.today_for_stale = in.as_of;
  in.lint = lint_registry(options.registry_dir, in.schema, lo);
  // Paths relative to the registry, so registry.json does not depend on where it was checked out.
  const std::string prefix = options.registry_dir.string() + "/";
  for (auto& v : in.lint.violations) {
    v.file = relative_file(options.registry_dir, v.file);
    for (size_t at; (at = v.message.find(prefix)) != std::string::npos;) v.message.erase(at, prefix.size());
  }
  in.lint.dir = options.registry_dir.filename().empty() ? fs::path("registry") : options.registry_dir.filename();

  // Page names come from ids, so an entry without a usable, unique id cannot be published.
  std::set<std::string> seen;
  for (const auto& e : in.entries) {
    if (!id_number(e.id()))
      throw InputError(e.path.string(), "id", "'" + e.id() + "' cannot name a page; accepted values: B<n> with n >= 1 and no leading zero");
    if (!seen.insert(e.id()).second)
      throw InputError(e.path.string(), "id", e.id() + " is used by another entry; accepted values: an id no other entry has");
  }
  in.graph = analyze_graph(graph_nodes(in.entries));
  for (const auto& e : in.entries) in.history[e.id()] = entry_history(e);
  in.measured = options.measure;
  if (options.measure) in.quantify = quantify("all", options.quantify);

  const fs::path experiments = options.registry_dir / "experiments";
  std::error_code ec;
  if (fs::is_directory(experiments, ec))
    for (const auto& f : fs::directory_iterator(experiments))
      if (f.is_regular_file() && f.path().extension() == ".json" && id_number(f.path().stem().string()))
        in.experiment_files["experiments/" + f.path().filename().string()] = read_text(f.path());
  return in;
}

// ---- render ----------------------------------------------------------------------------------------

namespace {

const char* kStyle = R"(/* infersim registry site: one stylesheet, no scripts. */
body { font-family: system-ui, sans-serif; line-height: 1.45; margin: 0 auto; max-width: 70rem; padding: 0 1rem 2rem; color: #1a1a1a; }
header nav { padding: .6rem 0; border-bottom: 1px solid #ccc; margin-bottom: 1rem; }
a { color: #0645ad; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #bbb; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
caption { text-align: left; font-weight: bold; padding: .2rem 0; }
code, pre { font-family: ui-monospace, monospace; font-size: .9em; }
pre { background: #f6f6f6; padding: .5rem; overflow-x: auto; white-space: pre-wrap; }
.heat td { text-align: center; min-width: 6rem; }
.h0 { background: #ffffff; } .h1 { background: #deebf7; } .h2 { background: #9ecae1; } .h3 { background: #6baed6; } .h4 { background: #4292c6; }
.verdict-within { color: #1b5e20; font-weight: bold; } .verdict-overstated, .verdict-failed { color: #b71c1c; font-weight: bold; }
.verdict-understated { color: #0d47a1; font-weight: bold; }
.graph { overflow-x: auto; border: 1px solid #ddd; padding: .5rem; }
.note { color: #555; }
td.d { white-space: nowrap; }
footer { margin-top: 2rem; border-top: 1px solid #ccc; padding-top: .5rem; color: #555; font-size: .9em; }
)";

std::string e_(const std::string& s) { return html_escape(s); }

struct Page {
  std::string root;  // "" for the index, "../" for entry pages
  std::string build_line;
};

std::string page(const Page& p, const std::string& title, const std::string& body) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<title>" << e_(title) << "</title>\n"
    << "<link rel=\"stylesheet\" href=\"" << p.root << "style.css\">\n"
    << "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Every entry\" href=\"" << p.root << "feeds/all.atom\">\n"
    << "</head>\n<body>\n<header><nav aria-label=\"Site\"><a href=\"" << p.root << "index.html\">Bottleneck registry</a> · <a href=\""
    << p.root << "feeds/all.atom\">Atom feed</a> · <a href=\"" << p.root << "registry.json\">registry.json</a> · <a href=\"" << p.root
    << "graph.svg\">dependency graph</a></nav></header>\n<main>\n"
    << body << "</main>\n<footer>" << p.build_line << "</footer>\n</body>\n</html>\n";
  return h.str();
}

std::string entry_link(const std::string& root, const std::string& id, bool with_name = false,
                       const std::map<std::string, std::string>* names = nullptr) {
  std::string text = id;
  if (with_name && names && names->count(id)) text += ": " + names->at(id);
  return "<a href=\"" + root + "entries/" + e_(id) + ".html\">" + e_(text) + "</a>";
}

std::string links(const std::string& root, const std::vector<std::string>& ids) {
  if (ids.empty()) return "none";
  std::string s;
  for (const auto& id : ids) s += (s.empty() ? "" : ", ") + entry_link(root, id);
  return s;
}

std::string verdict_span(const std::string& verdict) {
  return "<span class=\"verdict-" + slug(verdict) + "\">" + e_(verdict) + "</span>";
}

// "within 2, overstated 1" over an entry's rows.
std::string verdict_summary(const EntryResult* r) {
  if (r == nullptr) return "not measured";
  if (!r->simulable) return "not simulable";
  std::map<std::string, int> counts;
  for (const auto& row : r->rows) ++counts[to_string(row.verdict)];
  std::string s;
  for (const auto& [v, n] : counts) s += (s.empty() ? "" : ", ") + verdict_span(v) + " " + std::to_string(n);
  return s.empty() ? "no rows" : s;
}

std::string ratio_text(double v) { return std::isfinite(v) ? format_number(v) + "x" : "-"; }

std::vector<std::string> schema_enum(const Schema& schema, const std::string& key) {
  const SchemaNode* n = schema.entry.property(key);
  return n ? n->enum_values : std::vector<std::string>{};
}

// A front-matter value as JSON, typed by its schema node (integers become numbers when they parse;
// anything the schema does not type stays text, exactly as written).
json typed_json(const Value& v, const SchemaNode* s) {
  switch (v.kind) {
    case Value::Kind::Null: return nullptr;
    case Value::Kind::Scalar:
      if (s && s->type == "integer" && !v.scalar.empty() && v.scalar.size() < 18 &&
          std::all_of(v.scalar.begin(), v.scalar.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::stoll(v.scalar);
      return v.scalar;
    case Value::Kind::Sequence: {
      json a = json::array();
      for (const auto& item : v.items) a.push_back(typed_json(item, s && !s->items.empty() ? &s->items.front() : nullptr));
      return a;
    }
    case Value::Kind::Map: {
      json o = json::object();
      for (const auto& [k, sub] : v.fields)
        if (!o.contains(k)) o[k] = typed_json(sub, s ? s->property(k) : nullptr);  // the first of duplicates (lint reports them)
      return o;
    }
  }
  return nullptr;
}

class Renderer {
 public:
  explicit Renderer(const SiteInput& in) : in_(in) {
    for (const auto& e : in.entries) {
      names_[e.id()] = field(e, "name");
      status_[e.id()] = field(e, "status");
    }
    for (const auto& r : in.quantify) measured_[r.entry] = &r;
    for (const auto& v : in.lint.violations) findings_[v.file].push_back(&v);
    for (const auto& [from, to] : in.graph.edges) unlocks_direct_[from].push_back(to);
    types_ = schema_enum(in.schema, "type");
    statuses_ = schema_enum(in.schema, "status");
    build_line_ = "Generated by <code>infersim registry site</code> (infersim " + e_(version()) + ", build " + e_(build_commit()) +
                  ") from the registry as of " + in.as_of.to_string() + " (" + e_(in.as_of_source) +
                  "). Content CC-BY-4.0 as stated by the seed registry.";
  }

  SiteFiles render() {
    SiteFiles files;
    files["style.css"] = kStyle;
    files["graph.svg"] = graph_svg(in_.graph, status_, "entries/", true);
    files["index.html"] = index();
    for (const auto& e : in_.entries) files["entries/" + e.id() + ".html"] = entry_page(e);
    for (auto& [path, text] : feeds()) files[path] = std::move(text);
    files["registry.json"] = registry_json();
    for (const auto& [path, text] : in_.experiment_files) files[path] = text;
    return files;
  }

 private:
  std::string display_file(const std::string& file) const {
    return id_number(fs::path(file).stem().string()) && fs::path(file).extension() == ".md" ? fs::path(file).stem().string() : "";
  }

  std::string finding_list(const std::vector<const Violation*>& list, const std::string& root) const {
    if (list.empty()) return "<p>None: every rule passes.</p>\n";
    std::string s = "<ul>\n";
    for (const auto* v : list) {
      const std::string id = display_file(v->file);
      s += "<li>" + (id.empty() ? e_(v->file) : entry_link(root, id) + " (" + e_(v->file) + ")") + " line " + std::to_string(v->line) +
           ", <code>" + e_(v->field) + "</code> = <code>" + e_(v->value) + "</code>: " + e_(v->message) +
           (v->accepted.empty() ? "" : "; accepted values: " + e_(v->accepted)) + " <span class=\"note\">[rule " + e_(v->rule) +
           "]</span></li>\n";
    }
    return s + "</ul>\n";
  }

  struct Stale {
    std::string id, last_reviewed, due;
    long cadence = 0, overdue_days = 0;
  };
  std::vector<Stale> stale() const {
    std::vector<Stale> out;
    for (const auto& e : in_.entries) {
      const auto lr = parse_iso_date(field(e, "last_reviewed"));
      const auto cadence = int_field(e, "review_cadence_days");
      if (!lr || !cadence) continue;
      const long due = lr->days_since_epoch() + *cadence;
      const long overdue = in_.as_of.days_since_epoch() - due;
      if (overdue > 0) out.push_back({e.id(), lr->to_string(), date_from_days(due).to_string(), *cadence, overdue});
    }
    std::stable_sort(out.begin(), out.end(), [](const Stale& a, const Stale& b) { return a.overdue_days > b.overdue_days; });
    return out;
  }

  // ---- index ----
  std::string index() const {
    const std::string root;
    std::ostringstream b;
    const size_t n = in_.entries.size();
    b << "<h1>Bottleneck registry</h1>\n"
      << "<p>" << n << " entries as of " << in_.as_of.to_string() << " (" << e_(in_.as_of_source) << "): what limits LLM inference, "
      << "each with its claimed unlock value beside what the simulator measures. Registry schema " << e_(in_.schema.version) << ".</p>\n";

    b << "<h2 id=\"summary\">Summary</h2>\n<ul>\n";
    std::map<std::string, int> by_status;
    for (const auto& e : in_.entries) ++by_status[field(e, "status")];
    for (const auto& s : statuses_) b << "<li>" << e_(s) << ": " << by_status[s] << "</li>\n";
    b << "<li>stale (review overdue): " << stale().size() << "</li>\n"
      << "<li>lint findings: <a href=\"#lint\">" << in_.lint.violations.size() << "</a></li>\n"
      << "<li>dependency cycles: " << in_.graph.cycles.size() << "; critical chain priority " << in_.graph.critical_chain_priority
      << "</li>\n</ul>\n";

    b << "<h2 id=\"entries\">Every entry</h2>\n<table>\n<caption>All " << n << " entries, in id order</caption>\n"
      << "<tr><th scope=\"col\">id</th><th scope=\"col\">name</th><th scope=\"col\">type</th><th scope=\"col\">status</th>"
         "<th scope=\"col\">priority</th><th scope=\"col\">difficulty</th><th scope=\"col\">claimed unlock value</th>"
         "<th scope=\"col\">measured (verdicts)</th></tr>\n";
    for (const auto& e : in_.entries) {
      const auto it = measured_.find(e.id());
      b << "<tr><td>" << entry_link(root, e.id()) << "</td><td>" << e_(field(e, "name")) << "</td><td>" << e_(field(e, "type"))
        << "</td><td>" << e_(field(e, "status")) << "</td><td>" << e_(field(e, "priority")) << "</td><td>"
        << e_(field(e, "difficulty")) << "</td><td>" << e_(field(e, "estimated_unlock_value")) << "</td><td>"
        << (in_.measured ? verdict_summary(it == measured_.end() ? nullptr : it->second) : std::string("not run")) << "</td></tr>\n";
    }
    b << "</table>\n";

    auto grouped = [&](const std::string& key, const std::vector<std::string>& values, const std::string& feed_prefix) {
      std::ostringstream t;
      t << "<table>\n<caption>Entries by " << key << "</caption>\n<tr><th scope=\"col\">" << key
        << "</th><th scope=\"col\">count</th><th scope=\"col\">entries</th>"
        << (feed_prefix.empty() ? "" : "<th scope=\"col\">feed</th>") << "</tr>\n";
      std::vector<std::string> all = values;
      for (const auto& e : in_.entries)
        if (std::find(all.begin(), all.end(), field(e, key)) == all.end()) all.push_back(field(e, key));  // values outside the schema too
      for (const auto& v : all) {
        std::vector<std::string> ids;
        for (const auto& e : in_.entries)
          if (field(e, key) == v) ids.push_back(e.id());
        t << "<tr><th scope=\"row\">" << e_(v.empty() ? "(missing)" : v) << "</th><td>" << ids.size() << "</td><td>" << links(root, ids)
          << "</td>";
        if (!feed_prefix.empty()) {
          const bool in_schema = std::find(values.begin(), values.end(), v) != values.end();
          t << "<td>" << (in_schema ? "<a href=\"feeds/" + feed_prefix + e_(v) + ".atom\">Atom</a>" : std::string("-")) << "</td>";
        }
        t << "</tr>\n";
      }
      return t.str() + "</table>\n";
    };
    b << "<h2 id=\"by-type\">By type</h2>\n" << grouped("type", types_, "type-");
    b << "<h2 id=\"by-status\">By status</h2>\n" << grouped("status", statuses_, "status-");
    std::vector<std::string> priorities;
    for (int p = 5; p >= 1; --p) priorities.push_back(std::to_string(p));
    b << "<h2 id=\"by-priority\">By priority</h2>\n" << grouped("priority", priorities, "");

    // Heat map: priority rows (5 on top), difficulty columns.
    constexpr int kLevels = 5;
    b << "<h2 id=\"heat-map\">Priority × difficulty</h2>\n<table class=\"heat\">\n"
      << "<caption>Number of entries at each priority (rows, 5 = gating frontier economics) and difficulty (columns, 5 = open "
         "research frontier); darker cells hold more entries</caption>\n<tr><th scope=\"col\">priority \\ difficulty</th>";
    for (int d = 1; d <= kLevels; ++d) b << "<th scope=\"col\">" << d << "</th>";
    b << "</tr>\n";
    std::vector<std::string> off_grid;
    for (const auto& e : in_.entries) {
      const auto p = int_field(e, "priority"), d = int_field(e, "difficulty");
      if (!p || !d || *p < 1 || *p > kLevels || *d < 1 || *d > kLevels) off_grid.push_back(e.id());
    }
    for (int p = kLevels; p >= 1; --p) {
      b << "<tr><th scope=\"row\">" << p << "</th>";
      for (int d = 1; d <= kLevels; ++d) {
        std::vector<std::string> ids;
        for (const auto& e : in_.entries)
          if (int_field(e, "priority") == p && int_field(e, "difficulty") == d) ids.push_back(e.id());
        const int shade = std::min<int>(4, static_cast<int>(ids.size()));
        b << "<td class=\"h" << shade << "\">" << (ids.empty() ? "0" : std::to_string(ids.size()) + "<br>" + links(root, ids)) << "</td>";
      }
      b << "</tr>\n";
    }
    b << "</table>\n";
    if (!off_grid.empty()) b << "<p>Not on the grid (priority or difficulty not an integer 1 to 5): " << links(root, off_grid) << ".</p>\n";

    const auto st = stale();
    b << "<h2 id=\"stale\">Stale entries</h2>\n";
    if (st.empty()) {
      b << "<p>None: every entry was reviewed within its review_cadence_days as of " << in_.as_of.to_string() << ".</p>\n";
    } else {
      b << "<table>\n<caption>" << st.size() << " entries past last_reviewed + review_cadence_days as of " << in_.as_of.to_string()
        << ", most overdue first</caption>\n<tr><th scope=\"col\">entry</th><th scope=\"col\">last reviewed</th>"
           "<th scope=\"col\">cadence (days)</th><th scope=\"col\">review due</th><th scope=\"col\">days overdue</th></tr>\n";
      for (const auto& s : st)
        b << "<tr><td>" << entry_link(root, s.id, true, &names_) << "</td><td>" << s.last_reviewed << "</td><td>" << s.cadence
          << "</td><td>" << s.due << "</td><td>" << s.overdue_days << "</td></tr>\n";
      b << "</table>\n";
    }

    b << "<h2 id=\"recent\">Changed in the last " << kRecentChangeDays << " days</h2>\n";
    // One row per change (a commit touching several entries is one row listing them).
    struct Change {
      std::string date, ref, text;
      std::vector<std::string> ids;
      bool registry = false;
    };
    std::vector<Change> changes;
    const long from = in_.as_of.days_since_epoch() - kRecentChangeDays;
    auto recent = [&](const std::string& date) {
      const auto d = parse_iso_date(date);
      return d && d->days_since_epoch() > from && !(in_.as_of < *d);
    };
    auto add_change = [&](const HistoryItem& h, const std::string& id) {
      for (auto& c : changes)
        if (c.date == h.date && c.ref == h.ref && c.text == h.text && !c.registry && !id.empty()) {
          c.ids.push_back(id);
          return;
        }
      changes.push_back({h.date, h.ref, h.text, id.empty() ? std::vector<std::string>{} : std::vector<std::string>{id}, id.empty()});
    };
    for (const auto& e : in_.entries)
      for (const auto& h : in_.history.at(e.id()).items)
        if (recent(h.date)) add_change(h, e.id());
    for (const auto& h : registry_changes(in_.registry_dir))
      if (recent(h.date)) add_change(h, "");
    std::stable_sort(changes.begin(), changes.end(), [](const Change& a, const Change& c) { return a.date > c.date; });
    if (changes.empty()) {
      b << "<p>Nothing changed between " << date_from_days(from + 1).to_string() << " and " << in_.as_of.to_string() << ".</p>\n";
    } else {
      b << "<table>\n<caption>" << changes.size() << " changes from " << date_from_days(from + 1).to_string() << " to "
        << in_.as_of.to_string() << ", newest first (entry history from git when the registry is a checkout, else from each "
        << "entry's changelog)</caption>\n<tr><th scope=\"col\">date</th><th scope=\"col\">ref</th><th scope=\"col\">change</th>"
           "<th scope=\"col\">entries</th></tr>\n";
      for (const auto& c : changes)
        b << "<tr><td class=\"d\">" << c.date << "</td><td><code>" << e_(c.ref) << "</code></td><td>" << e_(c.text) << "</td><td>"
          << (c.registry ? std::string("the registry (README.md change_log)") : links(root, c.ids)) << "</td></tr>\n";
      b << "</table>\n";
    }

    b << "<h2 id=\"resolved\">Resolved entries (historical wins)</h2>\n";
    std::vector<std::string> resolved;
    for (const auto& e : in_.entries)
      if (field(e, "status") == "resolved") resolved.push_back(e.id());
    b << (resolved.empty() ? std::string("<p>None yet. Resolved entries stay listed here and keep their pages.</p>\n")
                           : "<p>" + links(root, resolved) + "</p>\n");

    b << "<h2 id=\"graph\">Dependency graph</h2>\n"
      << "<p>An arrow from P to D means resolving P unlocks (conditions or accelerates) D, i.e. D lists P in depends_on. "
         "Dashed boxes are cycles: entries that wait on each other and can only be resolved together. Thick dark-red borders and "
         "arrows are the critical chain, the path with the largest summed priority. Fill: red open, yellow partial, green resolved. "
         "Every node links to its entry; <a href=\"graph.svg\">the graph alone</a>.</p>\n"
      << "<div class=\"graph\">\n" << graph_svg(in_.graph, status_, "entries/", false) << "</div>\n";
    b << "<h3 id=\"cycles\">Cycles</h3>\n";
    if (in_.graph.cycles.empty()) b << "<p>None.</p>\n";
    else {
      b << "<ul>\n";
      for (const auto& c : in_.graph.cycles) b << "<li>" << links(root, c) << "</li>\n";
      b << "</ul>\n";
    }
    b << "<h3 id=\"critical-chain\">Critical chain</h3>\n<p>Summed priority " << in_.graph.critical_chain_priority << ": ";
    for (size_t i = 0; i < in_.graph.critical_chain.size(); ++i)
      b << (i ? " → " : "") << (in_.graph.critical_chain[i].size() > 1 ? "{" + links(root, in_.graph.critical_chain[i]) + "}"
                                                                         : links(root, in_.graph.critical_chain[i]));
    b << ".</p>\n";

    std::vector<const Violation*> all;
    for (const auto& v : in_.lint.violations) all.push_back(&v);
    b << "<h2 id=\"lint\">Lint findings</h2>\n<p>" << all.size() << " findings of <code>infersim registry lint --today "
      << in_.as_of.to_string() << "</code> (schema rules, contribution guidelines, the README's history records, staleness).</p>\n"
      << finding_list(all, root);

    b << "<h2 id=\"feeds\">Feeds and data</h2>\n<ul>\n<li><a href=\"feeds/all.atom\">Every entry</a> (Atom)</li>\n";
    for (const auto& t : types_) b << "<li><a href=\"feeds/type-" << e_(t) << ".atom\">Type " << e_(t) << "</a> (Atom)</li>\n";
    for (const auto& s : statuses_) b << "<li><a href=\"feeds/status-" << e_(s) << ".atom\">Status " << e_(s) << "</a> (Atom)</li>\n";
    b << "<li><a href=\"registry.json\">registry.json</a>: every entry's fields, body, lint findings, history and measurement; "
         "the graph; the lint report</li>\n</ul>\n";
    return page({root, build_line_}, "Bottleneck registry: " + std::to_string(n) + " entries", b.str());
  }

  // ---- entry page ----
  std::string measured_html(const Entry& e, const std::string& root) const {
    std::ostringstream b;
    b << "<p>Claimed <code>estimated_unlock_value</code>: “" << e_(field(e, "estimated_unlock_value")) << "”.</p>\n";
    if (!in_.measured) {
      b << "<p>The simulator was not run for this build of the site (<code>--no-measure</code>). Reproduce with "
        << "<code>infersim registry quantify " << e_(e.id()) << "</code>.</p>\n";
      return b.str();
    }
    const auto it = measured_.find(e.id());
    if (it == measured_.end()) return b.str() + "<p>No measurement.</p>\n";
    const EntryResult& r = *it->second;
    if (r.clause)
      b << "<p>Judged against the clause “" << e_(r.clause->text) << "”, read as " << format_number(*r.clause->low_x) << "x to "
        << format_number(*r.clause->high_x) << "x.</p>\n";
    else
      b << "<p>The claim holds no multiplier to compare with (verdict <em>unparseable</em>; ratios are still shown).</p>\n";
    if (!r.experiment_file.empty() && in_.experiment_files.count(r.experiment_file))
      b << "<p>Experiment: <a href=\"" << root << e_(r.experiment_file) << "\">" << e_(r.experiment_file) << "</a>"
        << (r.question.empty() ? "" : ". Question: " + e_(r.question)) << "</p>\n";
    if (!r.simulable) {
      b << "<p>Not simulated: " << e_(r.reason) << "</p>\n";
      return b.str();
    }
    b << "<table>\n<caption>Measured improvement ratio of each lever (&gt; 1: it helps) against the claimed range</caption>\n"
      << "<tr><th scope=\"col\">case</th><th scope=\"col\">lever (vs baseline)</th><th scope=\"col\">metric</th>"
         "<th scope=\"col\">baseline</th><th scope=\"col\">lever</th><th scope=\"col\">ratio</th><th scope=\"col\">claimed</th>"
         "<th scope=\"col\">verdict</th></tr>\n";
    for (const auto& row : r.rows) {
      const bool failed = row.verdict == Verdict::failed && row.metric.name.empty();
      b << "<tr><td>" << e_(row.case_name) << "</td><td>" << e_(row.lever_label) << " (vs " << e_(row.baseline_label) << ")</td><td>"
        << e_(row.metric.name) << "</td><td>" << (failed ? "-" : format_number(row.metric.baseline)) << "</td><td>"
        << (failed ? "-" : format_number(row.metric.lever)) << "</td><td>" << (failed ? "-" : ratio_text(row.metric.ratio))
        << "</td><td>" << (row.claim ? format_number(*row.claim->low_x) + "x to " + format_number(*row.claim->high_x) + "x" : "-")
        << "</td><td>" << verdict_span(to_string(row.verdict)) << "</td></tr>\n";
    }
    b << "</table>\n<p>Reproduce (from the source tree's root), baseline then lever of each row:</p>\n<pre><code>";
    for (const auto& row : r.rows) {
      b << "# " << e_(row.case_name) << " / " << e_(row.lever_label) << "\n" << e_(row.baseline_command) << "\n" << e_(row.lever_command) << "\n";
      if (!row.detail.empty()) b << "# note: " << e_(row.detail) << "\n";
    }
    b << "</code></pre>\n<p>All rows at once: <code>infersim registry quantify " << e_(e.id()) << "</code>.</p>\n"
      << "<p>Captures: " << e_(r.captures) << "</p>\n<p>Does not capture: " << e_(r.misses) << "</p>\n";
    return b.str();
  }

  std::string entry_page(const Entry& e) const {
    const std::string root = "../";
    const std::string id = e.id();
    std::ostringstream b;
    b << "<h1>" << e_(id) << ": " << e_(field(e, "name")) << "</h1>\n<p><a href=\"../index.html\">All entries</a>";
    // Feeds exist only for the schema's values; a link for a value outside the schema would dangle.
    const std::string type = field(e, "type"), status = field(e, "status");
    if (std::find(types_.begin(), types_.end(), type) != types_.end())
      b << " · <a href=\"../feeds/type-" << e_(type) << ".atom\">feed of type " << e_(type) << "</a>";
    if (std::find(statuses_.begin(), statuses_.end(), status) != statuses_.end())
      b << " · <a href=\"../feeds/status-" << e_(status) << ".atom\">feed of status " << e_(status) << "</a>";
    b << "</p>\n";

    b << "<h2 id=\"fields\">Fields</h2>\n<table>\n<caption>Front matter of " << e_(e.path.filename().string()) << "</caption>\n";
    auto row = [&](const std::string& k, const std::string& v_html) { b << "<tr><th scope=\"row\">" << k << "</th><td>" << v_html << "</td></tr>\n"; };
    row("type", e_(field(e, "type")));
    row("status", e_(field(e, "status")));
    row("priority", e_(field(e, "priority")) + " <span class=\"note\">(1 to 5, 5 = gating frontier economics)</span>");
    row("difficulty", e_(field(e, "difficulty")) + " <span class=\"note\">(1 to 5, 5 = open research frontier)</span>");
    row("version", e_(field(e, "version")));
    std::string review = e_(field(e, "last_reviewed"));
    if (const auto lr = parse_iso_date(field(e, "last_reviewed")); lr && int_field(e, "review_cadence_days")) {
      const long due = lr->days_since_epoch() + *int_field(e, "review_cadence_days");
      const long overdue = in_.as_of.days_since_epoch() - due;
      review += "; next review due " + date_from_days(due).to_string() +
                (overdue > 0 ? " (<strong>stale: " + std::to_string(overdue) + " days overdue</strong> as of " + in_.as_of.to_string() + ")" : "");
    }
    row("last reviewed", review);
    row("review cadence (days)", e_(field(e, "review_cadence_days")));
    std::string contributors;
    if (const Value* c = e.front_matter.find("contributors"); c && c->kind == Value::Kind::Sequence)
      for (const auto& item : c->items) {
        const Value* name = item.find("name");
        const Value* handle = item.find("github_handle");
        const Value* role = item.find("contribution");
        contributors += std::string(contributors.empty() ? "" : "; ") + e_(name ? name->scalar : "?") +
                        (handle ? " (@" + e_(handle->scalar) + ")" : "") + (role ? ", " + e_(role->scalar) : "");
      }
    row("contributors", contributors.empty() ? "none" : contributors);
    row("estimated unlock value", e_(field(e, "estimated_unlock_value")));
    b << "</table>\n";

    b << "<h2 id=\"measured\">Claimed and measured</h2>\n" << measured_html(e, root);

    // The body's own sections; headings above level 2 are pushed down so the page keeps one <h1>.
    int min_level = 6;
    for (const auto& h : e.headings) min_level = std::min(min_level, h.level);
    std::string body = e.body;
    if (min_level < 2) {
      std::string shifted;
      std::istringstream lines(body);
      for (std::string line; std::getline(lines, line);) shifted += (line.rfind("#", 0) == 0 ? std::string(2 - min_level, '#') : "") + line + "\n";
      body = shifted;
    }
    b << markdown_to_html(body);

    b << "<h2 id=\"known-solutions\">Known solutions</h2>\n";
    const Value* sols = e.front_matter.find("known_solutions");
    const SchemaNode* sol_schema = in_.schema.entry.property("known_solutions");
    const SchemaNode* maturity_schema = sol_schema && !sol_schema->items.empty() ? sol_schema->items.front().property("maturity") : nullptr;
    if (sols == nullptr || sols->kind != Value::Kind::Sequence || sols->items.empty()) {
      b << "<p>None recorded.</p>\n";
    } else {
      b << "<table>\n<caption>Known solutions, their citations and maturity</caption>\n<tr><th scope=\"col\">solution</th>"
           "<th scope=\"col\">citation</th><th scope=\"col\">maturity</th></tr>\n";
      for (const auto& s : sols->items) {
        const Value* t = s.find("title");
        const Value* c = s.find("citation");
        const Value* m = s.find("maturity");
        const std::string mat = m && m->kind == Value::Kind::Scalar ? m->scalar : "";
        const bool known = maturity_schema == nullptr ||
                           std::find(maturity_schema->enum_values.begin(), maturity_schema->enum_values.end(), mat) != maturity_schema->enum_values.end();
        b << "<tr><td>" << e_(t ? t->scalar : "") << "</td><td>" << e_(c ? c->scalar : "(no citation)") << "</td><td>" << e_(mat)
          << (known ? "" : " <span class=\"note\">(not a schema value; see lint findings)</span>") << "</td></tr>\n";
      }
      b << "</table>\n";
    }

    b << "<h2 id=\"blockers\">Blockers</h2>\n";
    const Value* blockers = e.front_matter.find("blockers");
    if (blockers == nullptr || blockers->kind != Value::Kind::Sequence || blockers->items.empty()) b << "<p>None recorded.</p>\n";
    else {
      b << "<ul>\n";
      for (const auto& item : blockers->items) b << "<li>" << e_(item.scalar) << "</li>\n";
      b << "</ul>\n";
    }

    b << "<h2 id=\"dependencies\">Depends on and unlocks</h2>\n<ul>\n";
    std::vector<std::string> deps;
    for (const auto& d : e.depends_on())
      if (names_.count(d)) deps.push_back(d);
    const auto direct = unlocks_direct_.count(id) ? unlocks_direct_.at(id) : std::vector<std::string>{};
    auto get = [&](const std::map<std::string, std::vector<std::string>>& m) { return m.count(id) ? m.at(id) : std::vector<std::string>{}; };
    b << "<li>Depends on (its depends_on): " << links(root, deps) << "</li>\n"
      << "<li>Unlocks directly (entries listing " << e_(id) << " in depends_on): " << links(root, direct) << "</li>\n"
      << "<li>Unlocks transitively: " << links(root, get(in_.graph.unlocks)) << "</li>\n"
      << "<li>Waits on transitively: " << links(root, get(in_.graph.waits_on)) << "</li>\n";
    for (const auto& c : in_.graph.cycles)
      if (std::find(c.begin(), c.end(), id) != c.end()) b << "<li>In a cycle with: " << links(root, c) << "</li>\n";
    for (const auto& c : in_.graph.critical_chain)
      if (std::find(c.begin(), c.end(), id) != c.end()) b << "<li>On the critical chain (<a href=\"../index.html#critical-chain\">index</a>)</li>\n";
    b << "</ul>\n";

    const EntryHistory& h = in_.history.at(id);
    b << "<h2 id=\"history\">History</h2>\n<p>"
      << (h.source == "git" ? "From <code>git log --follow</code> of " + e_(e.path.filename().string()) + "."
                            : std::string("From the entry's changelog field (the registry is not a git checkout)."))
      << "</p>\n";
    if (h.items.empty()) b << "<p>No history recorded.</p>\n";
    else {
      b << "<table>\n<caption>" << h.items.size() << " changes, newest first</caption>\n<tr><th scope=\"col\">date</th><th scope=\"col\">"
        << (h.source == "git" ? "commit" : "version") << "</th><th scope=\"col\">change</th></tr>\n";
      for (const auto& item : h.items)
        b << "<tr><td class=\"d\">" << e_(item.date) << "</td><td><code>" << e_(item.ref) << "</code></td><td>" << e_(item.text) << "</td></tr>\n";
      b << "</table>\n";
    }
    b << "<h2 id=\"changelog\">Changelog</h2>\n";
    const auto log = changelog_history(e);
    if (log.empty()) b << "<p>No changelog field.</p>\n";
    else {
      b << "<table>\n<caption>The entry's own changelog (version " << e_(field(e, "version")) << "), newest first</caption>\n"
        << "<tr><th scope=\"col\">version</th><th scope=\"col\">date</th><th scope=\"col\">change</th></tr>\n";
      for (const auto& item : log)
        b << "<tr><td>" << e_(item.ref) << "</td><td class=\"d\">" << e_(item.date) << "</td><td>" << e_(item.text) << "</td></tr>\n";
      b << "</table>\n";
    }

    b << "<h2 id=\"lint\">Lint findings</h2>\n";
    const std::string file = relative_file(in_.registry_dir, e.path.string());
    b << finding_list(findings_.count(file) ? findings_.at(file) : std::vector<const Violation*>{}, root);
    return page({root, build_line_}, id + ": " + field(e, "name") + " (bottleneck registry)", b.str());
  }

  // ---- feeds ----
  std::string entry_updated(const Entry& e) const {
    std::string d = newest_data_date(e);
    for (const auto& h : in_.history.at(e.id()).items)
      if (parse_iso_date(h.date)) d = std::max(d, h.date);
    return d.empty() ? in_.as_of.to_string() : d;
  }

  FeedEntry feed_entry(const Entry& e) const {
    FeedEntry f;
    f.id = entry_id(e.id());
    f.title = e.id() + ": " + field(e, "name");
    f.updated = entry_updated(e);
    f.link = "../entries/" + e.id() + ".html";
    if (const Value* c = e.front_matter.find("contributors"); c && c->kind == Value::Kind::Sequence)
      for (const auto& item : c->items)
        if (const Value* n = item.find("name"); n && n->kind == Value::Kind::Scalar) f.authors.push_back(n->scalar);
    if (f.authors.empty()) f.authors.push_back("Bottleneck registry contributors");
    f.categories.push_back({"type:" + field(e, "type"), "type " + field(e, "type")});
    f.categories.push_back({"status:" + field(e, "status"), "status " + field(e, "status")});
    f.categories.push_back({"priority:" + field(e, "priority"), "priority " + field(e, "priority")});
    const auto it = measured_.find(e.id());
    f.summary = field(e, "type") + ", " + field(e, "status") + ", priority " + field(e, "priority") + ", difficulty " +
                field(e, "difficulty") + ". Claimed: " + field(e, "estimated_unlock_value") + ".";
    f.content_html = "<p>" + e_(f.summary) + " Measured: " +
                     (in_.measured ? verdict_summary(it == measured_.end() ? nullptr : it->second) : std::string("not run")) + ".</p>\n" +
                     markdown_to_html(e.body);
    return f;
  }

  std::vector<std::pair<std::string, std::string>> feeds() const {
    std::string newest = in_.as_of.to_string();
    std::vector<const Entry*> order;
    for (const auto& e : in_.entries) order.push_back(&e);
    // Newest first, then id order: what a reader of a feed expects.
    std::stable_sort(order.begin(), order.end(), [&](const Entry* a, const Entry* b) { return entry_updated(*a) > entry_updated(*b); });
    std::string registry_updated;
    for (const auto* e : order) registry_updated = std::max(registry_updated, entry_updated(*e));
    if (registry_updated.empty()) registry_updated = newest;
    auto make = [&](const std::string& name, const std::string& file, const std::string& title, auto keep) {
      Feed f;
      f.id = feed_id(name);
      f.title = title;
      f.subtitle = "Bottleneck registry entries, newest first";
      f.self_link = file;
      f.alternate_link = "../index.html";
      f.empty_updated = registry_updated;
      for (const auto* e : order)
        if (keep(*e)) f.entries.push_back(feed_entry(*e));
      return std::make_pair("feeds/" + file, atom_feed(f));
    };
    std::vector<std::pair<std::string, std::string>> out;
    out.push_back(make("all", "all.atom", "Bottleneck registry: every entry", [](const Entry&) { return true; }));
    for (const auto& t : types_)
      out.push_back(make("type/" + t, "type-" + t + ".atom", "Bottleneck registry: type " + t,
                         [&](const Entry& e) { return field(e, "type") == t; }));
    for (const auto& s : statuses_)
      out.push_back(make("status/" + s, "status-" + s + ".atom", "Bottleneck registry: status " + s,
                         [&](const Entry& e) { return field(e, "status") == s; }));
    return out;
  }

  // ---- registry.json ----
  std::string registry_json() const {
    json j;
    j["schema"] = kSiteSchema;
    j["generator"] = "infersim registry site";
    j["build_commit"] = build_commit();
    j["as_of"] = in_.as_of.to_string();
    j["as_of_source"] = in_.as_of_source;
    j["registry_schema_version"] = in_.schema.version;
    j["measured"] = in_.measured;
    json entries = json::array();
    for (const auto& e : in_.entries) {
      json x;
      x["id"] = e.id();
      x["file"] = e.path.filename().string();
      x["page"] = "entries/" + e.id() + ".html";
      x["feed_id"] = entry_id(e.id());
      x["fields"] = typed_json(e.front_matter, &in_.schema.entry);
      x["body_markdown"] = e.body;
      const EntryHistory& h = in_.history.at(e.id());
      json items = json::array();
      for (const auto& i : h.items) items.push_back({{"date", i.date}, {"ref", i.ref}, {"text", i.text}});
      x["history"] = {{"source", h.source}, {"items", items}};
      json findings = json::array();
      const std::string file = relative_file(in_.registry_dir, e.path.string());
      if (findings_.count(file))
        for (const auto* v : findings_.at(file)) findings.push_back(v->to_string());
      x["lint"] = findings;
      const auto it = measured_.find(e.id());
      x["measurement"] = it == measured_.end() ? json() : json(to_json(std::vector<EntryResult>{*it->second})["entries"][0]);
      entries.push_back(x);
    }
    j["entries"] = entries;
    j["graph"] = to_json(in_.graph);
    j["lint"] = to_json(in_.lint);
    json feeds = json::array();
    for (const auto& [path, _] : this->feeds()) feeds.push_back(path);
    j["feeds"] = feeds;
    return j.dump(2) + "\n";
  }

  const SiteInput& in_;
  std::map<std::string, std::string> names_, status_;
  std::map<std::string, const EntryResult*> measured_;
  std::map<std::string, std::vector<const Violation*>> findings_;
  std::map<std::string, std::vector<std::string>> unlocks_direct_;
  std::vector<std::string> types_, statuses_;
  std::string build_line_;
};

}  // namespace

SiteFiles render_site(const SiteInput& input) { return Renderer(input).render(); }

// ---- write -----------------------------------------------------------------------------------------

namespace {

[[noreturn]] void fail(const fs::path& path, const std::string& what) {
  throw std::runtime_error(path.string() + ": " + what);
}

// A folder this command may replace: empty, or a previous site (its registry.json names our schema).
bool replaceable(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_empty(dir, ec) && !ec) return true;
  std::ifstream in(dir / "registry.json");
  std::string head(256, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return head.find(std::string("\"schema\": \"") + kSiteSchema + "\"") != std::string::npos;
}

}  // namespace

void write_site(const SiteFiles& files, const fs::path& out_dir) {
  const fs::path target = fs::absolute(out_dir).lexically_normal();
  const fs::path parent = target.parent_path();
  const std::string name = target.filename().string();
  if (name.empty() || name == "." || name == "..") fail(out_dir, "not a folder name for the site");
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) fail(parent, "cannot create the folder: " + ec.message());
  if (fs::exists(target, ec)) {
    if (!fs::is_directory(target, ec)) fail(target, "exists and is not a folder; refusing to replace it");
    if (!replaceable(target)) fail(target, "exists and does not hold a registry site (no registry.json of " + std::string(kSiteSchema) +
                                               "); refusing to replace it");
  }
  const std::string pid = std::to_string(::getpid());
  const fs::path tmp = parent / ("." + name + ".tmp-" + pid);
  const fs::path old = parent / ("." + name + ".old-" + pid);
  fs::remove_all(tmp, ec);
  try {
    if (!fs::create_directory(tmp, ec) || ec) fail(tmp, "cannot create the temporary folder: " + ec.message());
    for (const auto& [rel, bytes] : files) {
      const fs::path file = tmp / rel;
      fs::create_directories(file.parent_path(), ec);
      if (ec) fail(file.parent_path(), "cannot create the folder: " + ec.message());
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      out.close();
      if (!out) fail(file, "cannot write the file");
    }
    // Swap: the previous site moves aside, the new one takes its name, the previous one goes.
    const bool had_old = fs::exists(target, ec);
    if (had_old) {
      fs::rename(target, old, ec);
      if (ec) fail(target, "cannot move the previous site aside: " + ec.message());
    }
    fs::rename(tmp, target, ec);
    if (ec) {
      if (had_old) fs::rename(old, target, ec);  // put the previous site back
      fail(target, "cannot rename the new site into place");
    }
    if (had_old) fs::remove_all(old, ec);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

}  // namespace infersim::registry
