// The depends_on graph: SCCs, the condensation order, unlock/wait sets and the critical chain, on a
// small graph derived by hand and on the bundled seed, each cross-checked against an independent
// transitive closure (Floyd-Warshall on a boolean matrix) computed here.
#include <doctest/doctest.h>

#include "descriptors/catalog.hpp"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "registry/graph.hpp"

namespace reg = infersim::registry;
using Ids = std::vector<std::string>;

namespace {

// reach[i][j]: j is reachable from i by one or more edges P -> D (D depends on P).
struct Closure {
  Ids ids;
  std::vector<std::vector<bool>> reach;
};

Closure closure(const std::vector<reg::GraphNode>& nodes) {
  Closure c;
  for (const auto& n : nodes) c.ids.push_back(n.id);
  std::sort(c.ids.begin(), c.ids.end(), reg::id_less);
  const size_t n = c.ids.size();
  auto at = [&](const std::string& id) { return static_cast<size_t>(std::find(c.ids.begin(), c.ids.end(), id) - c.ids.begin()); };
  c.reach.assign(n, std::vector<bool>(n, false));
  for (const auto& node : nodes)
    for (const auto& dep : node.depends_on)
      if (at(dep) < n) c.reach[at(dep)][at(node.id)] = true;
  for (size_t k = 0; k < n; ++k)
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < n; ++j)
        if (c.reach[i][k] && c.reach[k][j]) c.reach[i][j] = true;
  return c;
}

// Checks unlock/wait sets and the SCC partition against the closure.
void check_against_closure(const std::vector<reg::GraphNode>& nodes, const reg::GraphAnalysis& g) {
  const Closure c = closure(nodes);
  const size_t n = c.ids.size();
  for (size_t i = 0; i < n; ++i) {
    Ids unlocks, waits;
    for (size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      if (c.reach[i][j]) unlocks.push_back(c.ids[j]);
      if (c.reach[j][i]) waits.push_back(c.ids[j]);
    }
    CHECK_MESSAGE(g.unlocks.at(c.ids[i]) == unlocks, c.ids[i]);
    CHECK_MESSAGE(g.waits_on.at(c.ids[i]) == waits, c.ids[i]);
  }
  // Same component <=> mutually reachable (or the same vertex).
  std::map<std::string, size_t> comp;
  for (size_t k = 0; k < g.order.size(); ++k)
    for (const auto& id : g.order[k]) comp[id] = k;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j)
      CHECK((comp.at(c.ids[i]) == comp.at(c.ids[j])) == (i == j || (c.reach[i][j] && c.reach[j][i])));
  // Topological: every edge goes forward in the order (or stays inside a component).
  for (const auto& [from, to] : g.edges) CHECK(comp.at(from) <= comp.at(to));
}

// The heaviest path through the condensation by brute force: every path from every component.
int heaviest_path(const reg::GraphAnalysis& g) {
  std::map<std::string, size_t> comp;
  for (size_t k = 0; k < g.order.size(); ++k)
    for (const auto& id : g.order[k]) comp[id] = k;
  std::vector<std::set<size_t>> succ(g.order.size());
  for (const auto& [from, to] : g.edges)
    if (comp[from] != comp[to]) succ[comp[from]].insert(comp[to]);
  auto weight = [&](size_t k) {
    int w = 0;
    for (const auto& id : g.order[k]) w += g.priority.at(id);
    return w;
  };
  std::function<int(size_t)> best_from = [&](size_t k) {
    int best = 0;
    for (size_t s : succ[k]) best = std::max(best, best_from(s));
    return weight(k) + best;
  };
  int best = 0;
  for (size_t k = 0; k < g.order.size(); ++k) best = std::max(best, best_from(k));
  return best;
}

}  // namespace

TEST_CASE("registry graph: a small graph with one cycle, derived by hand") {
  // B2 and B3 depend on each other (a cycle); B2 also depends on B1; B4 depends on B3; B5 is alone.
  // Edges (P -> D): B1->B2, B3->B2, B2->B3, B3->B4.
  // SCCs: {B1}, {B2,B3}, {B4}, {B5}. Kahn with lowest-member-first: ready {B1, B5} -> B1; then
  // {B2,B3} (key B2) beats B5 -> then B4 (key B4) beats B5 -> B5.
  // Weights: B1 1, {B2,B3} 2+3 = 5, B4 5, B5 1; heaviest path B1 -> {B2,B3} -> B4 = 11.
  const std::vector<reg::GraphNode> nodes = {
      {"B1", "", 1, {}}, {"B2", "", 2, {"B1", "B3"}}, {"B3", "", 3, {"B2"}}, {"B4", "", 5, {"B3"}}, {"B5", "", 1, {}}};
  const auto g = reg::analyze_graph(nodes);
  CHECK(g.cycles == std::vector<Ids>{{"B2", "B3"}});
  CHECK(g.order == std::vector<Ids>{{"B1"}, {"B2", "B3"}, {"B4"}, {"B5"}});
  CHECK(g.unlocks.at("B1") == Ids{"B2", "B3", "B4"});
  CHECK(g.unlocks.at("B2") == Ids{"B3", "B4"});  // through B3; B2 itself excluded
  CHECK(g.waits_on.at("B4") == Ids{"B1", "B2", "B3"});
  CHECK(g.unlocks.at("B5").empty());
  CHECK(g.critical_chain == std::vector<Ids>{{"B1"}, {"B2", "B3"}, {"B4"}});
  CHECK(g.critical_chain_priority == 11);
  CHECK(heaviest_path(g) == 11);
  check_against_closure(nodes, g);
}

TEST_CASE("registry graph: a DAG, ties, self-dependency and unknown names") {
  // B1 -> B3, B2 -> B3; B1 and B2 both weigh 2, so the tie goes to B1 (first in the order).
  // B4 depends on itself (a self-loop is not a cycle of 2+ entries) and on B99, which is not an entry.
  const std::vector<reg::GraphNode> nodes = {
      {"B3", "", 1, {"B1", "B2"}}, {"B2", "", 2, {}}, {"B1", "", 2, {}}, {"B4", "", 1, {"B4", "B99"}}};
  const auto g = reg::analyze_graph(nodes);
  CHECK(g.cycles.empty());
  CHECK(g.order == std::vector<Ids>{{"B1"}, {"B2"}, {"B3"}, {"B4"}});
  CHECK(g.critical_chain == std::vector<Ids>{{"B1"}, {"B3"}});
  CHECK(g.critical_chain_priority == 3);
  CHECK(g.unlocks.at("B4").empty());  // reaching itself is not unlocking something else
  CHECK(g.edges.size() == 3);         // B1->B3, B2->B3, B4->B4; B99 dropped
  check_against_closure(nodes, g);
  CHECK(reg::analyze_graph({}).order.empty());
}

TEST_CASE("registry graph: the bundled seed registry") {
  const auto nodes = reg::graph_nodes(reg::read_entries(std::filesystem::path(infersim::data_dir()) / "registry"));
  REQUIRE(nodes.size() == 18);
  const auto g = reg::analyze_graph(nodes);
  CHECK(g.edges.size() == 15);  // the 11 lines of the migration note's graph hold 15 pairs
  CHECK(g.cycles == std::vector<Ids>{{"B8", "B15"}, {"B6", "B16"}});
  // B4 is a prerequisite of B1, B16 and B18; B1 of B13; B16 of B6.
  CHECK(g.unlocks.at("B4") == Ids{"B1", "B6", "B13", "B16", "B18"});
  CHECK(g.unlocks.at("B11") == Ids{"B1", "B2", "B5", "B12", "B13", "B17"});
  CHECK(g.waits_on.at("B17") == Ids{"B5", "B8", "B11", "B15"});
  // Critical chain: {B8,B15} weighs 5+5 and {B6,B16} 5+5, linked by B8 -> B16: 20. The next
  // heaviest, B4 -> {B6,B16} and {B8,B15} -> B17, weigh 14.
  CHECK(g.critical_chain == std::vector<Ids>{{"B8", "B15"}, {"B6", "B16"}});
  CHECK(g.critical_chain_priority == 20);
  CHECK(heaviest_path(g) == 20);
  check_against_closure(nodes, g);
}

TEST_CASE("registry graph: outputs") {
  const std::vector<reg::GraphNode> nodes = {{"B1", "first \"quoted\"", 1, {}}, {"B2", "second", 2, {"B1"}}};
  const auto g = reg::analyze_graph(nodes);
  const auto j = reg::to_json(g);
  CHECK(j["edges"][0]["from"] == "B1");
  CHECK(j["critical_chain"]["summed_priority"] == 3);
  const std::string dot = reg::to_dot(g);
  CHECK(dot.find("\"B1\" -> \"B2\" [penwidth=2.5, color=red];") != std::string::npos);
  CHECK(dot.find("first \\\"quoted\\\"") != std::string::npos);  // names are escaped for DOT
  CHECK(reg::to_text(g).find("critical chain by priority (summed priority 3):\n  B1 (1) -> B2 (2)") != std::string::npos);
}
