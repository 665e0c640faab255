// The registry site's pieces: Markdown and escaping, Atom text, the graph SVG, rendering of the
// clean fixture (deterministic, every entry a page), the atomic folder write (a failed write leaves
// the previous site whole and no temporary folder), and `registry new` (next free id, lints clean).
// The whole site of the bundled registry, with its feeds read by feedparser, is tests/site/check_site.py.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "descriptors/catalog.hpp"
#include "descriptors/input_error.hpp"
#include "registry/feed.hpp"
#include "registry/graph_svg.hpp"
#include "registry/html.hpp"
#include "registry/lint.hpp"
#include "registry/scaffold.hpp"
#include "registry/site.hpp"

namespace reg = infersim::registry;
namespace fs = std::filesystem;

namespace {

const fs::path kClean = fs::path(INFERSIM_TEST_DIR) / "registry-fixtures" / "clean";
const fs::path kSchema = fs::path(infersim::data_dir()) / "registry" / "schema.json";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fresh folder under the system temp dir, removed at scope exit.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name) : path(fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

reg::SiteInput clean_input() {
  reg::SiteOptions o;
  o.registry_dir = kClean;
  o.schema_file = kSchema;
  o.today = reg::Date{2026, 5, 1};
  o.measure = false;  // the fixture has no experiments; measurement is covered by check_site.py
  return reg::gather_site_input(o);
}

}  // namespace

TEST_CASE("registry site: Markdown keeps to headings, paragraphs, lists, code and bold, and escapes the rest") {
  CHECK(reg::markdown_to_html("## Why it binds\n\nA <b>x</b> & `a<b>` **strong**\nsame paragraph\n\n- one\n- two\n") ==
        "<h2 id=\"why-it-binds\">Why it binds</h2>\n<p>A &lt;b&gt;x&lt;/b&gt; &amp; <code>a&lt;b&gt;</code> <strong>strong</strong> same "
        "paragraph</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n");
  CHECK(reg::markdown_to_html("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n");
  CHECK(reg::html_escape("\"'") == "&quot;&#39;");
  CHECK(reg::slug("What changes unlock it?") == "what-changes-unlock-it");
}

TEST_CASE("registry site: Atom text is escaped, dates come from the entries, ids from the registry id alone") {
  reg::Feed f;
  f.id = reg::feed_id("all");
  f.title = "A & B";
  f.self_link = "all.atom";
  f.alternate_link = "../index.html";
  f.empty_updated = "2026-01-01";
  CHECK(reg::atom_feed(f).find("<updated>2026-01-01T00:00:00Z</updated>") != std::string::npos);  // no entries: the given date
  reg::FeedEntry e;
  e.id = reg::entry_id("B7");
  e.title = "B7: <x>";
  e.updated = "2026-04-22";
  e.link = "../entries/B7.html";
  e.authors = {"A"};
  e.content_html = "<p>a\x01</p>";
  f.entries = {e};
  const std::string x = reg::atom_feed(f);
  CHECK(e.id == "tag:infersim-bottleneck-registry,2026-04-22:entry/B7");
  CHECK(x.find("<title>A &amp; B</title>") != std::string::npos);
  CHECK(x.find("<title>B7: &lt;x&gt;</title>") != std::string::npos);
  CHECK(x.find("<content type=\"html\">&lt;p&gt;a&lt;/p&gt;</content>") != std::string::npos);  // control character dropped
  CHECK(x.find("<updated>2026-04-22T00:00:00Z</updated>") != std::string::npos);  // the feed takes its newest entry's date
}

TEST_CASE("registry site: the graph SVG marks cycles and the critical chain and has a text alternative") {
  // B2 <-> B3 is a cycle; B1 -> B2; priorities make B1 -> {B2, B3} the chain (1 + 5 + 5).
  const std::vector<reg::GraphNode> nodes = {{"B1", "one", 1, {}}, {"B2", "two", 5, {"B1", "B3"}}, {"B3", "three", 5, {"B2"}},
                                             {"B4", "four", 2, {}}};
  const auto g = reg::analyze_graph(nodes);
  const std::string svg = reg::graph_svg(g, {{"B1", "open"}, {"B2", "partial"}}, "entries/", true);
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(svg.find("role=\"img\"") != std::string::npos);
  CHECK(svg.find("Cycles (entries that wait on each other): B2, B3.") != std::string::npos);
  CHECK(svg.find("Critical chain by summed priority 11: B1 then {B2, B3}.") != std::string::npos);
  auto count = [&](const std::string& what) {
    size_t n = 0;
    for (size_t at = svg.find(what); at != std::string::npos; at = svg.find(what, at + 1)) ++n;
    return n;
  };
  CHECK(count(">cycle</text>") == 1);
  CHECK(count("<a href=\"entries/B") == 4);
  CHECK(count("marker-end=\"url(#arrow-chain)\"") == 1);  // B1 -> B2 joins the chain's two components
  CHECK(count("marker-end=\"url(#arrow)\"") == 2);        // B2 -> B3 and B3 -> B2 inside the cycle
}

TEST_CASE("registry site: the clean fixture renders every page, deterministically") {
  const auto in = clean_input();
  CHECK(in.as_of.to_string() == "2026-05-01");
  // The only findings: the three fixture entries are stale as of 2026-05-01 (the site lints with the stale rule on).
  REQUIRE(in.lint.violations.size() == 3);
  for (const auto& v : in.lint.violations) CHECK(v.rule == "stale");
  const auto files = reg::render_site(in);
  for (const std::string f : {"index.html", "style.css", "graph.svg", "registry.json", "entries/B1.html", "entries/B2.html",
                              "entries/B3.html", "feeds/all.atom", "feeds/type-algorithm.atom", "feeds/status-open.atom",
                              "feeds/status-resolved.atom"})
    CHECK_MESSAGE(files.count(f) == 1, f);
  CHECK(files.size() == 4 + 3 + 1 + 8 + 3);  // index, style, graph, json; 3 pages; all + 8 types + 3 statuses
  CHECK(reg::render_site(clean_input()) == files);
  // last_reviewed 2026-01-15 + 90 days = 2026-04-15; as of 2026-05-01 that is 16 days overdue.
  CHECK(files.at("index.html").find("<td>2026-04-15</td><td>16</td>") != std::string::npos);
  // From git log in a checkout, from the one changelog item in a tarball: history either way.
  for (const auto& [id, h] : in.history) CHECK_MESSAGE(!h.items.empty(), id);
  CHECK(files.at("entries/B2.html").find("Depends on (its depends_on): <a href=\"../entries/B1.html\">B1</a>") != std::string::npos);
}

TEST_CASE("registry site: writing is all or nothing") {
  TempDir tmp("infersim-site-write");
  const fs::path out = tmp.path / "site";
  reg::write_site({{"registry.json", "{\n  \"schema\": \"infersim-registry-site/1\"\n}\n"}, {"index.html", "v1"}}, out);
  CHECK(slurp(out / "index.html") == "v1");
  // A file set that cannot be written (a file and a folder of the same name) fails half way: the
  // previous site is still there, whole, and no temporary folder is left.
  CHECK_THROWS_AS(reg::write_site({{"a", "x"}, {"a/b", "y"}, {"index.html", "v2"}}, out), std::runtime_error);
  CHECK(slurp(out / "index.html") == "v1");
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(tmp.path)) entries += e.path().filename() != "site";
  CHECK(entries == 0);
  // A folder that is not a site is never replaced.
  fs::create_directories(tmp.path / "mine");
  std::ofstream(tmp.path / "mine" / "notes.txt") << "keep";
  CHECK_THROWS_WITH_AS(reg::write_site({{"index.html", "x"}}, tmp.path / "mine"), doctest::Contains("refusing to replace"),
                       std::runtime_error);
  CHECK(slurp(tmp.path / "mine" / "notes.txt") == "keep");
}

TEST_CASE("registry new: the next free id, and an entry that lints clean as written") {
  TempDir tmp("infersim-registry-new");
  fs::copy(kClean, tmp.path, fs::copy_options::recursive);
  const auto schema = reg::load_schema(kSchema);
  auto entries = reg::read_entries(tmp.path);
  CHECK(reg::next_free_id(entries) == "B4");
  reg::NewEntry f;
  f.name = "A \"quoted\" name: with a colon";
  f.type = "stack";
  f.unlock_value = "~2x fixture throughput";
  f.author = "Test Author";
  f.date = reg::Date{2026, 11, 21};
  std::ofstream(tmp.path / "B4.md") << reg::scaffold_entry("B4", f, schema);
  reg::LintOptions o;
  o.today = reg::Date{2026, 11, 21};
  const auto report = reg::lint_registry(tmp.path, schema, o);
  CHECK_MESSAGE(report.clean(), reg::to_text(report));
  CHECK(reg::read_entry(tmp.path / "B4.md").scalar("name") == f.name);
  // Ids are never recycled: with B4 removed and B9 present, the next is B10.
  fs::remove(tmp.path / "B4.md");
  fs::copy_file(tmp.path / "B3.md", tmp.path / "B9.md");
  CHECK(reg::next_free_id(reg::read_entries(tmp.path)) == "B10");
  f.type = "software";
  CHECK_THROWS_WITH_AS(reg::scaffold_entry("B10", f, schema),
                       doctest::Contains("--type: software: not an accepted value; accepted values: physics, architecture"),
                       infersim::InputError);
  f.type = "stack";
  f.priority = 9;
  CHECK_THROWS_WITH_AS(reg::scaffold_entry("B10", f, schema), doctest::Contains("--priority: 9: out of range; accepted values: 1 to 5"),
                       infersim::InputError);
}
