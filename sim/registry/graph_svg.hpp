// Contract: the depends_on graph (graph.hpp's analysis) drawn as SVG without Graphviz, so the site
// needs no external program and its bytes depend on the registry alone.
//
// Layout: one column per layer of the condensation DAG (a component's layer is one more than its
// deepest prerequisite's, so every edge between components points right); the members of a cycle
// share a column inside a dashed box labelled "cycle". The critical chain (graph.hpp) is drawn
// with thick dark-red borders and edges. Node fill says the status. Each node links to
// `<link_prefix>B<n>.html` and carries a <title> with the entry's name; the root <svg> has
// role="img", a <title> and a <desc> listing the cycles and the chain in words, so the picture has
// a text alternative.
#pragma once

#include <map>
#include <string>

#include "registry/graph.hpp"

namespace infersim::registry {

// `status`: id -> open/partial/resolved (anything else is drawn grey). `standalone`: an .svg file
// (XML declaration and namespace) rather than an element inlined into HTML.
std::string graph_svg(const GraphAnalysis& graph, const std::map<std::string, std::string>& status,
                      const std::string& link_prefix, bool standalone);

}  // namespace infersim::registry
