#include "des/platform.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "costmodel/collectives.hpp"
#include "descriptors/input_error.hpp"

namespace infersim::des {

namespace sg4 = simgrid::s4u;
using simgrid::kernel::routing::NetPoint;

namespace {
// Dragonflies: a router per tensor-parallel group (costmodel/collectives.hpp dragonfly_layout), so
// that a group's chips are two link traversals apart, as collectives.hpp assumes.

std::string chip_name(long long c) { return "chip" + std::to_string(c); }

struct Builder {
  const Scenario& s;
  const Plan& plan;
  Platform& pf;
  double flops;

  sg4::Host* make_chip(sg4::NetZone* zone, long long c) {
    sg4::Host* h = zone->create_host(chip_name(c), flops)->seal();
    pf.chips[static_cast<std::size_t>(c)] = h;
    return h;
  }

  // One scale-up domain of `count` chips starting at `first`; returns (netpoint, gateway) for a
  // parent cluster zone (gateway null when the netpoint is the chip itself).
  // `leaf`: the domain is a leaf of the scale-out network and needs a gateway.
  std::pair<NetPoint*, NetPoint*> domain(sg4::NetZone* parent, const std::string& name, long long first,
                                         long long count, bool leaf) {
    const NetworkLevel& net = s.hw.scale_up;
    const double bw = net.bandwidth_Bps.value * s.calibration.network_efficiency, lat = net.latency_s.value;
    if (count == 1 && (!leaf || pf.domain_chips == 1)) {
      // A wafer (every domain one chip) is a leaf of the scale-out network by itself. A one-chip
      // remainder among larger domains is wrapped like them (a star with a gateway, below): SimGrid
      // 3.32's fat tree cannot route between a host leaf and a zone leaf.
      sg4::NetZone* zone = parent;
      if (!leaf) {
        zone = sg4::create_star_zone(name);
        zone->set_parent(parent);
      }
      NetPoint* np = make_chip(zone, first)->get_netpoint();
      if (!leaf) zone->seal();
      return {np, nullptr};
    }
    switch (count == 1 ? Topology::switched : net.topology) {
      case Topology::switched:
      case Topology::fat_tree: {
        // NVSwitch-style: one split-duplex port per chip into a non-blocking switch.
        sg4::NetZone* zone = sg4::create_star_zone(name);
        zone->set_parent(parent);
        for (long long c = first; c < first + count; ++c) {
          sg4::Host* h = make_chip(zone, c);
          auto* link = zone->create_split_duplex_link("port-" + chip_name(c), bw)->set_latency(lat)->seal();
          zone->add_route(h->get_netpoint(), nullptr, nullptr, nullptr, {{link, sg4::LinkInRoute::Direction::UP}},
                          true);
        }
        NetPoint* gw = nullptr;
        if (leaf) {
          // The domain's exit to the scale-out network: reached through each chip's own port.
          gw = zone->create_router(name + "-gw");
          auto* nic = zone->create_link(name + "-nic", bw * static_cast<double>(count))->seal();
          zone->add_route(gw, nullptr, nullptr, nullptr, {{nic, sg4::LinkInRoute::Direction::NONE}}, true);
        }
        zone->seal();
        return {zone->get_netpoint(), gw};
      }
      case Topology::ring:
      case Topology::torus2d:
      case Topology::mesh2d:
      case Topology::wafer: {
        std::vector<unsigned long> dims;
        if (net.topology == Topology::ring) {
          dims = {static_cast<unsigned long>(count)};
        } else {
          // The squarest a x b = count; a mesh is approximated by a torus (wrap-around links).
          long long a = static_cast<long long>(std::sqrt(static_cast<double>(count)));
          while (a > 1 && count % a != 0) --a;
          dims = {static_cast<unsigned long>(count / a), static_cast<unsigned long>(a)};
        }
        NetPoint* gw = nullptr;
        sg4::NetZone* zone = sg4::create_torus_zone(
            name, parent, dims,
            sg4::ClusterCallbacks([this, first, &gw](sg4::NetZone* z, const std::vector<unsigned long>&,
                                                     unsigned long id) {
              NetPoint* np = make_chip(z, first + static_cast<long long>(id))->get_netpoint();
              if (id == 0) gw = np;
              return std::make_pair(np, static_cast<NetPoint*>(nullptr));
            }),
            bw, lat, sg4::Link::SharingPolicy::SPLITDUPLEX);
        zone->seal();
        return {zone->get_netpoint(), leaf ? gw : nullptr};
      }
      case Topology::dragonfly: {
        // The layout the closed form routes on too (costmodel/collectives.hpp dragonfly_layout).
        const DragonflyLayout d = dragonfly_layout(count, plan.tp);
        const unsigned groups = d.groups, chassis = d.chassis, blades = d.blades, nodes = d.nodes;
        NetPoint* gw = nullptr;
        sg4::NetZone* zone = sg4::create_dragonfly_zone(
            name, parent, sg4::DragonflyParams({groups, 1}, {chassis, 1}, {blades, 1}, nodes),
            sg4::ClusterCallbacks([this, first, count, &gw, &name](sg4::NetZone* z, const std::vector<unsigned long>&,
                                                                  unsigned long id) {
              NetPoint* np;
              if (static_cast<long long>(id) < count) np = make_chip(z, first + static_cast<long long>(id))->get_netpoint();
              else np = z->create_router(name + "-spare" + std::to_string(id));  // unused leaf
              if (id == 0) gw = np;
              return std::make_pair(np, static_cast<NetPoint*>(nullptr));
            }),
            bw, lat, sg4::Link::SharingPolicy::SPLITDUPLEX);
        zone->seal();
        pf.description += " dragonfly(groups=" + std::to_string(groups) + ",chassis=" + std::to_string(chassis) +
                          ",routers=" + std::to_string(blades) + ",nodes=" + std::to_string(nodes) + ")";
        return {zone->get_netpoint(), leaf ? gw : nullptr};
      }
    }
    return {nullptr, nullptr};
  }
};
}  // namespace

void configure_models() {
  // SIMGRID-NOTES.md: LV08's latency and bandwidth factors, cross-traffic and the TCP-gamma window
  // bound would make collectives up to 11x off the analytic values.
  sg4::Engine::set_config("network/model:CM02");
  sg4::Engine::set_config("network/crosstraffic:0");
  sg4::Engine::set_config("network/TCP-gamma:0");
}

Platform build_platform(const Scenario& s, const Plan& plan) {
  // The DES lays a stage out as its tp chips; attention data parallelism (ep > tp) widens a stage
  // to ep chips with copies of the attention, which only the closed form and the analytic engine model.
  if (plan.attention_dp() > 1)
    throw InputError("--ep", std::to_string(plan.ep),
                     "attention data parallelism (ep > tp) runs on the analytic engine only; with --engine des "
                     "accepted values are 1 or --tp (" + std::to_string(plan.tp) + ")");
  Platform pf;
  const long long n = plan.chips;
  pf.chips.assign(static_cast<std::size_t>(n), nullptr);
  const NetworkLevel& up = s.hw.scale_up;
  pf.domain_chips = chips_per_scale_up_domain(s.hw, n);
  const long long domains = (n + pf.domain_chips - 1) / pf.domain_chips;

  // The root only separates the network from the memory pseudo-hosts (no route crosses it).
  sg4::NetZone* root = sg4::create_full_zone("infersim");
  // Chips and memory run at datasheet peak: the calibration's efficiencies are already in the work
  // each step asks of them (costmodel/step_time.hpp effective_work); links run at the calibrated
  // fraction of their bandwidth (collectives are timed on them).
  Builder b{s, plan, pf, s.hw.flops_for(s.weights).value};
  std::ostringstream what;
  what << n << " chips, scale-up " << to_string(up.topology) << " x" << pf.domain_chips;
  if (domains == 1) {
    b.domain(root, "scale-up", 0, n, false);
  } else {
    const NetworkLevel& out = *s.hw.scale_out;
    pf.nic_rate_Bps = out.bandwidth_Bps.value * s.calibration.network_efficiency;
    what << ", scale-out one-level fat tree of " << domains << " domains";
    // Each domain's leaf link carries all its chips' NICs; each flow is capped at one NIC.
    sg4::NetZone* tree = sg4::create_fatTree_zone(
        "scale-out", root, sg4::FatTreeParams(1, {static_cast<unsigned>(domains)}, {1}, {1}),
        sg4::ClusterCallbacks([&b, &pf, n](sg4::NetZone* z, const std::vector<unsigned long>&, unsigned long id) {
          const long long first = static_cast<long long>(id) * pf.domain_chips;
          return b.domain(z, "domain" + std::to_string(id), first, std::min(pf.domain_chips, n - first), true);
        }),
        out.bandwidth_Bps.value * s.calibration.network_efficiency * static_cast<double>(pf.domain_chips), out.latency_s.value,
        sg4::Link::SharingPolicy::SPLITDUPLEX);
    tree->seal();
  }
  // Memory tiers: a pseudo-host per chip per tier, speed = bandwidth in bytes/s (an Exec of N
  // "flop" on it streams N bytes; SIMGRID-NOTES.md: never Disk I/O in 3.32).
  sg4::NetZone* memory = sg4::create_star_zone("memory");
  memory->set_parent(root);
  pf.tiers.resize(static_cast<std::size_t>(n));
  for (long long c = 0; c < n; ++c)
    for (const auto& tier : s.hw.tiers)
      pf.tiers[static_cast<std::size_t>(c)].push_back(
          memory->create_host(chip_name(c) + "-" + tier.name, tier.bandwidth_Bps.value)
              ->seal());
  memory->seal();
  root->seal();

  for (const sg4::Link* l : sg4::Engine::get_instance()->get_all_links()) pf.link_names.push_back(l->get_name());
  std::sort(pf.link_names.begin(), pf.link_names.end());
  for (std::size_t i = 0; i < pf.link_names.size(); ++i) pf.link_index[pf.link_names[i]] = static_cast<int>(i);
  pf.links = static_cast<long long>(pf.link_names.size());
  pf.hosts = static_cast<long long>(sg4::Engine::get_instance()->get_host_count());
  pf.description = what.str() + pf.description;
  return pf;
}

sg4::CommPtr Platform::start_send(long long from, long long to, double bytes) {
  const auto size = static_cast<uint64_t>(std::llround(bytes));
  sg4::Host* src = chips[static_cast<std::size_t>(from)];
  sg4::Host* dst = chips[static_cast<std::size_t>(to)];
  if (nic_rate_Bps <= 0 || domain_of(from) == domain_of(to)) return sg4::Comm::sendto_async(src, dst, size);
  // SimGrid 3.32 ignores the rate of host-to-host comms: a flow that leaves its domain goes through
  // a mailbox (with a receiver actor on the destination) so that its NIC cap applies.
  sg4::Mailbox* box = sg4::Mailbox::by_name("nic-" + std::to_string(next_mailbox_++));
  sg4::Actor::create("nic-rx", dst, [box] { box->get<int>(); });
  sg4::CommPtr c = box->put_init(&payload_, size);
  c->set_rate(nic_rate_Bps);
  c->start();
  return c;
}

int Platform::first_link(long long from, long long to) {
  const long long key = from * static_cast<long long>(chips.size()) + to;
  auto it = first_link_cache_.find(key);
  if (it != first_link_cache_.end()) return it->second;
  std::vector<sg4::Link*> route;
  double latency = 0;
  chips[static_cast<std::size_t>(from)]->route_to(chips[static_cast<std::size_t>(to)], route, &latency);
  int id = -1;
  if (!route.empty()) {
    auto found = link_index.find(route.front()->get_name());
    if (found != link_index.end()) id = found->second;
  }
  first_link_cache_[key] = id;
  return id;
}

}  // namespace infersim::des
