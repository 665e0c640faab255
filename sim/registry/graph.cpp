#include "registry/graph.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/reverse_graph.hpp>
#include <boost/graph/strong_components.hpp>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <queue>
#include <set>
#include <sstream>

#include "descriptors/input_error.hpp"
#include "registry/lint.hpp"

extern char** environ;

namespace infersim::registry {

namespace fs = std::filesystem;

namespace {

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;

// Records every vertex a search discovers.
class Collector : public boost::default_bfs_visitor {
 public:
  explicit Collector(std::vector<size_t>& found) : found_(&found) {}
  template <class Vertex, class G>
  void discover_vertex(Vertex v, const G&) const { found_->push_back(static_cast<size_t>(v)); }

 private:
  std::vector<size_t>* found_;
};

template <class G>
std::vector<std::string> reachable(const G& g, size_t from, const std::vector<std::string>& ids) {
  std::vector<size_t> found;
  std::vector<boost::default_color_type> color(boost::num_vertices(g));
  boost::breadth_first_search(g, static_cast<typename boost::graph_traits<G>::vertex_descriptor>(from),
                              boost::visitor(Collector(found)).color_map(
                                  boost::make_iterator_property_map(color.begin(), boost::get(boost::vertex_index, g))));
  std::vector<size_t> indices;
  for (size_t v : found)
    if (v != from) indices.push_back(v);
  std::sort(indices.begin(), indices.end());  // vertex index order is registry order
  std::vector<std::string> out;
  for (size_t v : indices) out.push_back(ids[v]);
  return out;
}

std::string join(const std::vector<std::string>& ids, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? sep : "") + ids[i];
  return out;
}

std::string component_text(const std::vector<std::string>& c) {
  return c.size() == 1 ? c.front() : "{" + join(c, ", ") + "}";
}

}  // namespace

std::vector<GraphNode> graph_nodes(const std::vector<Entry>& entries) {
  std::vector<GraphNode> nodes;
  for (const auto& e : entries) {
    if (e.id().empty()) continue;
    GraphNode n;
    n.id = e.id();
    n.name = e.scalar("name").value_or("");
    const std::string p = e.scalar("priority").value_or("");
    n.priority = (!p.empty() && std::all_of(p.begin(), p.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }) && p.size() < 6) ? std::stoi(p) : 0;
    n.depends_on = e.depends_on();
    nodes.push_back(n);
  }
  return nodes;
}

GraphAnalysis analyze_graph(const std::vector<GraphNode>& input) {
  std::vector<GraphNode> nodes = input;
  std::sort(nodes.begin(), nodes.end(), [](const GraphNode& a, const GraphNode& b) { return id_less(a.id, b.id); });
  nodes.erase(std::unique(nodes.begin(), nodes.end(), [](const GraphNode& a, const GraphNode& b) { return a.id == b.id; }),
              nodes.end());  // a duplicate id is the linter's finding; the graph keeps the first
  GraphAnalysis r;
  std::map<std::string, size_t> index;
  for (const auto& n : nodes) {
    index.emplace(n.id, r.ids.size());
    r.ids.push_back(n.id);
    r.priority[n.id] = n.priority;
    r.name[n.id] = n.name;
  }
  const size_t n_vertices = r.ids.size();
  Graph g(n_vertices);
  std::set<std::pair<size_t, size_t>> edges;
  for (const auto& n : nodes)
    for (const auto& dep : n.depends_on) {
      auto it = index.find(dep);
      if (it != index.end()) edges.emplace(it->second, index.at(n.id));
    }
  for (const auto& [from, to] : edges) {
    boost::add_edge(from, to, g);
    r.edges.emplace_back(r.ids[from], r.ids[to]);
  }

  // Strongly connected components, renumbered so that each is named by its lowest vertex.
  std::vector<int> comp_of(n_vertices);
  const int n_comps = n_vertices == 0 ? 0 : boost::strong_components(g, boost::make_iterator_property_map(comp_of.begin(), boost::get(boost::vertex_index, g)));
  std::vector<std::vector<size_t>> members(static_cast<size_t>(n_comps));
  for (size_t v = 0; v < n_vertices; ++v) members[static_cast<size_t>(comp_of[v])].push_back(v);  // ascending v
  std::vector<size_t> key(members.size());
  for (size_t c = 0; c < members.size(); ++c) key[c] = members[c].front();

  // Condensation and Kahn's order, lowest member first among the ready.
  std::vector<std::set<size_t>> succ(members.size()), pred(members.size());
  for (const auto& [from, to] : edges) {
    const size_t a = static_cast<size_t>(comp_of[from]), b = static_cast<size_t>(comp_of[to]);
    if (a != b) {
      succ[a].insert(b);
      pred[b].insert(a);
    }
  }
  std::vector<size_t> indegree(members.size());
  using Ready = std::pair<size_t, size_t>;  // (key, component)
  std::priority_queue<Ready, std::vector<Ready>, std::greater<Ready>> ready;
  for (size_t c = 0; c < members.size(); ++c) {
    indegree[c] = pred[c].size();
    if (indegree[c] == 0) ready.emplace(key[c], c);
  }
  std::vector<size_t> order;
  while (!ready.empty()) {
    const size_t c = ready.top().second;
    ready.pop();
    order.push_back(c);
    for (size_t d : succ[c])
      if (--indegree[d] == 0) ready.emplace(key[d], d);
  }
  auto names = [&](size_t c) {
    std::vector<std::string> out;
    for (size_t v : members[c]) out.push_back(r.ids[v]);
    return out;
  };
  for (size_t c : order) {
    r.order.push_back(names(c));
    if (members[c].size() > 1) r.cycles.push_back(names(c));
  }

  // Transitive unlock and wait sets.
  const boost::reverse_graph<Graph> reversed(g);
  for (size_t v = 0; v < n_vertices; ++v) {
    r.unlocks[r.ids[v]] = reachable(g, v, r.ids);
    r.waits_on[r.ids[v]] = reachable(reversed, v, r.ids);
  }

  // Critical chain: longest path by summed component priority over the topological order.
  std::vector<size_t> position(members.size());
  for (size_t i = 0; i < order.size(); ++i) position[order[i]] = i;
  std::vector<int> weight(members.size(), 0), best(members.size(), 0);
  std::vector<std::optional<size_t>> back(members.size());
  for (size_t c = 0; c < members.size(); ++c)
    for (size_t v : members[c]) weight[c] += nodes[v].priority;
  for (size_t c : order) {
    best[c] = weight[c];
    std::optional<size_t> choice;
    for (size_t p : pred[c])  // strictly better only, so the earliest in order wins a tie
      if (!choice || best[p] > best[*choice] || (best[p] == best[*choice] && position[p] < position[*choice])) choice = p;
    if (choice) {
      best[c] += best[*choice];
      back[c] = choice;
    }
  }
  std::optional<size_t> last;
  for (size_t c : order)
    if (!last || best[c] > best[*last]) last = c;
  if (last) {
    r.critical_chain_priority = best[*last];
    for (std::optional<size_t> c = last; c; c = back[*c]) r.critical_chain.push_back(names(*c));
    std::reverse(r.critical_chain.begin(), r.critical_chain.end());
  }
  return r;
}

std::string to_text(const GraphAnalysis& g) {
  std::ostringstream out;
  out << "depends_on graph: " << g.ids.size() << " entries, " << g.edges.size()
      << " edges (P -> D: resolving P unlocks D)\n\n";
  out << "cycles (strongly connected components of 2+ entries): ";
  if (g.cycles.empty()) out << "none";
  for (size_t i = 0; i < g.cycles.size(); ++i) out << (i ? ", " : "") << component_text(g.cycles[i]);
  out << "\n\ntopological order of the condensation (prerequisites first):\n  ";
  for (size_t i = 0; i < g.order.size(); ++i) out << (i ? " -> " : "") << component_text(g.order[i]);
  out << "\n\ncritical chain by priority (summed priority " << g.critical_chain_priority << "):\n  ";
  for (size_t i = 0; i < g.critical_chain.size(); ++i) {
    int sum = 0;
    for (const auto& id : g.critical_chain[i]) sum += g.priority.at(id);
    out << (i ? " -> " : "") << component_text(g.critical_chain[i]) << " (" << sum << ")";
  }
  out << "\n\nper entry (priority; transitively unlocks | transitively waits on):\n";
  for (const auto& id : g.ids) {
    const auto& u = g.unlocks.at(id);
    const auto& w = g.waits_on.at(id);
    out << "  " << id << " (p" << g.priority.at(id) << "): unlocks " << (u.empty() ? "-" : compact_ids(u)) << " | waits on "
        << (w.empty() ? "-" : compact_ids(w)) << "\n";
  }
  return out.str();
}

nlohmann::json to_json(const GraphAnalysis& g) {
  nlohmann::json j;
  j["edge_direction"] = "prerequisite -> dependent (resolving the first unlocks the second)";
  nlohmann::json edges = nlohmann::json::array();
  for (const auto& [from, to] : g.edges) edges.push_back({{"from", from}, {"to", to}});
  j["edges"] = edges;
  j["cycles"] = g.cycles;
  j["topological_order"] = g.order;
  j["critical_chain"] = {{"components", g.critical_chain},
                         {"summed_priority", g.critical_chain_priority},
                         {"definition", "path in the condensation DAG maximizing the summed priority of its components' members"}};
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& id : g.ids)
    entries.push_back({{"id", id}, {"name", g.name.at(id)}, {"priority", g.priority.at(id)},
                       {"unlocks", g.unlocks.at(id)}, {"waits_on", g.waits_on.at(id)}});
  j["entries"] = entries;
  return j;
}

std::string to_dot(const GraphAnalysis& g) {
  std::set<std::pair<std::string, std::string>> chain_edges;
  std::set<std::string> on_chain;
  for (size_t i = 0; i < g.critical_chain.size(); ++i) {
    for (const auto& id : g.critical_chain[i]) on_chain.insert(id);
    if (i == 0) continue;
    for (const auto& a : g.critical_chain[i - 1])
      for (const auto& b : g.critical_chain[i]) chain_edges.emplace(a, b);
  }
  auto escape = [](const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out;
  };
  std::ostringstream out;
  out << "// infersim registry graph: P -> D means resolving P unlocks D. Clusters are cycles;\n"
         "// bold red is the critical chain by summed priority ("
      << g.critical_chain_priority << ").\n";
  out << "digraph registry {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n";
  std::set<std::string> in_cycle;
  for (size_t i = 0; i < g.cycles.size(); ++i) {
    out << "  subgraph cluster_cycle_" << i << " {\n    label=\"cycle\";\n    style=dashed;\n";
    for (const auto& id : g.cycles[i]) {
      out << "    \"" << id << "\";\n";
      in_cycle.insert(id);
    }
    out << "  }\n";
  }
  for (const auto& id : g.ids) {
    out << "  \"" << id << "\" [label=\"" << id << " (p" << g.priority.at(id) << ")\\n" << escape(g.name.at(id)) << "\"";
    if (on_chain.count(id)) out << ", penwidth=2.5, color=red";
    out << "];\n";
  }
  for (const auto& [from, to] : g.edges) {
    out << "  \"" << from << "\" -> \"" << to << "\"";
    if (chain_edges.count({from, to})) out << " [penwidth=2.5, color=red]";
    out << ";\n";
  }
  out << "}\n";
  return out.str();
}

std::optional<fs::path> find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::istringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    const fs::path candidate = fs::path(dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

std::vector<fs::path> render_with_dot(const fs::path& dot_program, const fs::path& dot_file) {
  std::vector<fs::path> written;
  for (const std::string format : {"svg", "png"}) {
    fs::path target = dot_file;
    target.replace_extension(format);
    // posix_spawn with an argument vector: no shell, so no quoting of the file names is needed.
    std::vector<std::string> args = {dot_program.string(), "-T" + format, "-o", target.string(), dot_file.string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, dot_program.c_str(), nullptr, nullptr, argv.data(), environ) != 0)
      throw InputError(dot_program.string(), "spawn", "cannot run Graphviz dot");
    int status = 0;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
      throw InputError(dot_file.string(), "dot -T" + format, "Graphviz dot failed");
    written.push_back(target);
  }
  return written;
}

}  // namespace infersim::registry
