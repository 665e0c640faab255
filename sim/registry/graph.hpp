// Contract: the depends_on graph of the registry, analysed with Boost.Graph.
//
// Direction: an edge P -> D means "resolving P unlocks (conditions or accelerates) D", i.e. D lists
// P in depends_on. Names in depends_on that name no entry are left out (the linter reports them).
//
// analyze() computes, all sorted so the output is deterministic:
//  - components: the strongly connected components (Boost's strong_components). A component of two
//    or more entries is a cycle: its members wait on each other, so none can be called resolved
//    before the others; the graph treats it as one unit.
//  - order: a topological order of the condensation (the DAG of components), prerequisites first.
//    Among the components that are ready at a step, the one holding the lowest B<n> goes first
//    (Kahn's algorithm with that tie-break; Boost's DFS-based topological_sort gives *an* order, but
//    not one a reader can predict, so it is not used here).
//  - unlocks(X): every entry reachable from X along edges, X excluded (what X transitively
//    unlocks); waits_on(X): every entry from which X is reachable, X excluded.
//  - critical chain by priority: the path in the condensation DAG whose components' summed
//    priority is largest, where a component weighs the sum of its members' priorities (a cycle is
//    resolved as a whole, so all its members' priority is at stake). Ties: the chain whose last
//    component comes first in `order`, and at each step back the predecessor first in `order`.
//    An entry whose priority does not parse as an integer weighs 0 (the linter reports it).
//
// Outputs: to_text, to_json (jq-readable), to_dot (Graphviz; cycles drawn as clusters, the
// critical chain in bold). render_with_dot() turns a .dot file into .svg and .png when the `dot`
// program is on PATH.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "registry/entry.hpp"

namespace infersim::registry {

struct GraphNode {
  std::string id;
  std::string name;  // for labels only
  int priority = 0;
  std::vector<std::string> depends_on;
};

struct GraphAnalysis {
  std::vector<std::string> ids;                                      // registry order
  std::vector<std::pair<std::string, std::string>> edges;            // (prerequisite, dependent), sorted
  std::vector<std::vector<std::string>> order;                       // components, topological order
  std::vector<std::vector<std::string>> cycles;                      // components of >= 2 entries
  std::map<std::string, std::vector<std::string>> unlocks;           // id -> transitively unlocked ids
  std::map<std::string, std::vector<std::string>> waits_on;          // id -> transitive prerequisites
  std::vector<std::vector<std::string>> critical_chain;              // components, prerequisites first
  int critical_chain_priority = 0;
  std::map<std::string, int> priority;
  std::map<std::string, std::string> name;
};

std::vector<GraphNode> graph_nodes(const std::vector<Entry>& entries);
GraphAnalysis analyze_graph(const std::vector<GraphNode>& nodes);

std::string to_text(const GraphAnalysis& graph);
nlohmann::json to_json(const GraphAnalysis& graph);
std::string to_dot(const GraphAnalysis& graph);

// The full path of `program` found on PATH, or nullopt.
std::optional<std::filesystem::path> find_on_path(const std::string& program);
// Runs `dot -Tsvg` and `dot -Tpng` on `dot_file`, writing the same name with .svg and .png; returns
// the files written. Throws InputError when dot fails.
std::vector<std::filesystem::path> render_with_dot(const std::filesystem::path& dot_program,
                                                   const std::filesystem::path& dot_file);

}  // namespace infersim::registry
