#include "registry/graph_svg.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include "registry/html.hpp"

namespace infersim::registry {

namespace {

// Geometry in SVG user units (px at 100 % zoom).
constexpr int kNodeWidth = 168;
constexpr int kNodeHeight = 42;
constexpr int kColumnGap = 74;
constexpr int kRowGap = 14;
constexpr int kMargin = 24;
constexpr int kCyclePad = 8;
constexpr int kCycleLabelHeight = 14;
constexpr size_t kNameChars = 24;  // longer names are cut with an ellipsis (the <title> has them whole)

std::string fill_for(const std::string& status) {
  if (status == "open") return "#fde2e1";
  if (status == "partial") return "#fff3c4";
  if (status == "resolved") return "#d9f2dc";
  return "#eeeeee";
}

std::string short_name(const std::string& name) {
  if (name.size() <= kNameChars) return name;
  size_t cut = kNameChars - 1;
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
  return name.substr(0, cut) + "\xE2\x80\xA6";
}

std::string join(const std::vector<std::string>& ids, const std::string& sep) {
  std::string s;
  for (const auto& id : ids) s += (s.empty() ? "" : sep) + id;
  return s;
}

}  // namespace

std::string graph_svg(const GraphAnalysis& graph, const std::map<std::string, std::string>& status,
                      const std::string& link_prefix, bool standalone) {
  // Component of each id, layer of each component.
  std::map<std::string, size_t> component_of;
  for (size_t c = 0; c < graph.order.size(); ++c)
    for (const auto& id : graph.order[c]) component_of[id] = c;
  std::vector<int> layer(graph.order.size(), 0);
  for (size_t c = 0; c < graph.order.size(); ++c)  // topological order: prerequisites already placed
    for (const auto& [from, to] : graph.edges)
      if (component_of.at(to) == c && component_of.at(from) != c) layer[c] = std::max(layer[c], layer[component_of.at(from)] + 1);
  const int layers = graph.order.empty() ? 0 : *std::max_element(layer.begin(), layer.end()) + 1;

  // Positions: components stacked top-down in each column in topological order.
  struct Box {
    int x = 0, y = 0;
  };
  std::map<std::string, Box> at;
  struct CycleBox {
    int x, y, w, h;
  };
  std::vector<CycleBox> cycle_boxes;
  std::vector<int> next_y(static_cast<size_t>(layers), kMargin);
  for (size_t c = 0; c < graph.order.size(); ++c) {
    const int column = layer[c];
    const int x = kMargin + column * (kNodeWidth + kColumnGap);
    int& y = next_y[static_cast<size_t>(column)];
    const bool cycle = graph.order[c].size() > 1;
    if (cycle) y += kCycleLabelHeight + kCyclePad;
    const int top = y;
    for (const auto& id : graph.order[c]) {
      at[id] = {x, y};
      y += kNodeHeight + kRowGap;
    }
    if (cycle) {
      cycle_boxes.push_back({x - kCyclePad, top - kCyclePad - kCycleLabelHeight, kNodeWidth + 2 * kCyclePad,
                             y - kRowGap - top + 2 * kCyclePad + kCycleLabelHeight});
      y += kCyclePad + kRowGap;
    }
  }
  const int width = kMargin * 2 + std::max(0, layers * (kNodeWidth + kColumnGap) - kColumnGap) + 40;  // room for cycle arcs
  int height = kMargin * 2;
  for (const int y : next_y) height = std::max(height, y + kMargin);

  std::set<std::string> chain_ids;
  std::set<size_t> chain_components;
  for (const auto& comp : graph.critical_chain)
    for (const auto& id : comp) {
      chain_ids.insert(id);
      chain_components.insert(component_of.count(id) ? component_of.at(id) : 0);
    }
  // An edge is on the chain when it joins two consecutive chain components.
  std::set<std::pair<size_t, size_t>> chain_steps;
  for (size_t i = 0; i + 1 < graph.critical_chain.size(); ++i)
    chain_steps.insert({component_of.at(graph.critical_chain[i].front()), component_of.at(graph.critical_chain[i + 1].front())});

  std::ostringstream svg;
  if (standalone) svg << "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height << "\" viewBox=\"0 0 "
      << width << " " << height << "\" role=\"img\" aria-labelledby=\"graph-title graph-desc\" font-family=\"sans-serif\">\n";
  std::vector<std::string> cycle_texts, chain_texts;
  for (const auto& cyc : graph.cycles) cycle_texts.push_back(join(cyc, ", "));
  for (const auto& comp : graph.critical_chain) chain_texts.push_back(comp.size() > 1 ? "{" + join(comp, ", ") + "}" : comp.front());
  svg << "<title id=\"graph-title\">Dependency graph of the registry: " << graph.ids.size() << " entries, " << graph.edges.size()
      << " depends_on edges (an arrow P to D: resolving P unlocks D)</title>\n"
      << "<desc id=\"graph-desc\">Cycles (entries that wait on each other): "
      << html_escape(cycle_texts.empty() ? std::string("none") : join(cycle_texts, "; ")) << ". Critical chain by summed priority "
      << graph.critical_chain_priority << ": " << html_escape(join(chain_texts, " then ")) << ".</desc>\n";
  svg << "<defs>\n"
      << "<marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
         "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#666666\"/></marker>\n"
      << "<marker id=\"arrow-chain\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\">"
         "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#8b0000\"/></marker>\n"
      << "</defs>\n";
  for (const auto& b : cycle_boxes)
    svg << "<rect x=\"" << b.x << "\" y=\"" << b.y << "\" width=\"" << b.w << "\" height=\"" << b.h
        << "\" rx=\"6\" fill=\"none\" stroke=\"#7a4f9a\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>"
        << "<text x=\"" << b.x + 6 << "\" y=\"" << b.y + 12 << "\" font-size=\"11\" fill=\"#7a4f9a\">cycle</text>\n";
  for (const auto& [from, to] : graph.edges) {
    const Box a = at.at(from), b = at.at(to);
    const size_t ca = component_of.at(from), cb = component_of.at(to);
    const bool chain = chain_steps.count({ca, cb}) > 0;
    std::ostringstream d;
    if (ca == cb) {  // inside a cycle: an arc out to the right of the shared column
      const int x = a.x + kNodeWidth, ya = a.y + kNodeHeight / 2 + (a.y < b.y ? 6 : -6), yb = b.y + kNodeHeight / 2 + (a.y < b.y ? 6 : -6);
      d << "M" << x << "," << ya << " C" << x + 34 << "," << ya << " " << x + 34 << "," << yb << " " << x << "," << yb;
    } else {
      const int x1 = a.x + kNodeWidth, y1 = a.y + kNodeHeight / 2, x2 = b.x, y2 = b.y + kNodeHeight / 2;
      const int mid = (x1 + x2) / 2;
      d << "M" << x1 << "," << y1 << " C" << mid << "," << y1 << " " << mid << "," << y2 << " " << x2 << "," << y2;
    }
    svg << "<path d=\"" << d.str() << "\" fill=\"none\" stroke=\"" << (chain ? "#8b0000" : "#666666") << "\" stroke-width=\""
        << (chain ? "3" : "1.2") << "\" marker-end=\"url(#" << (chain ? "arrow-chain" : "arrow") << ")\"><title>" << from
        << " unlocks " << to << "</title></path>\n";
  }
  for (const auto& id : graph.ids) {
    if (!at.count(id)) continue;
    const Box b = at.at(id);
    const bool chain = chain_ids.count(id) > 0;
    const auto st = status.count(id) ? status.at(id) : std::string();
    const std::string name = graph.name.count(id) ? graph.name.at(id) : std::string();
    const int priority = graph.priority.count(id) ? graph.priority.at(id) : 0;
    svg << "<a href=\"" << html_escape(link_prefix + id + ".html") << "\"><title>" << id << ": " << html_escape(name)
        << " (status " << html_escape(st) << ", priority " << priority << (chain ? ", on the critical chain" : "") << ")</title>"
        << "<rect x=\"" << b.x << "\" y=\"" << b.y << "\" width=\"" << kNodeWidth << "\" height=\"" << kNodeHeight
        << "\" rx=\"4\" fill=\"" << fill_for(st) << "\" stroke=\"" << (chain ? "#8b0000" : "#444444") << "\" stroke-width=\""
        << (chain ? "3" : "1") << "\"/>"
        << "<text x=\"" << b.x + 8 << "\" y=\"" << b.y + 17 << "\" font-size=\"13\" font-weight=\"bold\" fill=\"#111111\">" << id
        << " <tspan font-weight=\"normal\" font-size=\"11\">P" << priority << " \xC2\xB7 " << html_escape(st) << "</tspan></text>"
        << "<text x=\"" << b.x + 8 << "\" y=\"" << b.y + 33 << "\" font-size=\"11\" fill=\"#222222\">" << html_escape(short_name(name))
        << "</text></a>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace infersim::registry
