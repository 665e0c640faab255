#include "costmodel/collectives.hpp"

#include <algorithm>

namespace infersim {

int hops_between_neighbours(Topology t) {
  switch (t) {
    case Topology::switched:
    case Topology::fat_tree:  // neighbours share a leaf switch
    case Topology::dragonfly: // through the group's router
      return 2;
    case Topology::ring:
    case Topology::torus2d:
    case Topology::mesh2d:
    case Topology::wafer:
      return 1;
  }
  return 2;
}

Seconds ring_allreduce_time(long long chips, Bytes bytes, const NetworkLevel& net) {
  if (chips <= 1) return Seconds(0);
  const double n = static_cast<double>(chips);
  const double step = hops_between_neighbours(net.topology) * net.latency_s.value +
                      bytes.si() / n / net.bandwidth_Bps.value;
  return Seconds(2.0 * (n - 1.0) * step);
}

Seconds two_shot_allreduce_time(long long chips, Bytes bytes, const NetworkLevel& net) {
  if (chips <= 1) return Seconds(0);
  const double n = static_cast<double>(chips);
  return Seconds(2.0 * (hops_between_neighbours(net.topology) * net.latency_s.value +
                        (n - 1.0) / n * bytes.si() / net.bandwidth_Bps.value));
}

bool two_shot_allreduce(Topology t) {
  // Dragonfly keeps the ring: a two-shot exchange over a large tensor-parallel group (Groq runs
  // 16-128) loads the router ports that the DES shares between the group's flows, 3-8 % slower
  // than this formula; the ring's neighbour traffic does not (tests/des/test_fidelity.cpp).
  return t == Topology::switched || t == Topology::fat_tree;
}

Seconds one_shot_allreduce_time(long long chips, Bytes bytes, const NetworkLevel& net) {
  if (chips <= 1) return Seconds(0);
  const double n = static_cast<double>(chips);
  return Seconds(hops_between_neighbours(net.topology) * net.latency_s.value +
                 (n - 1.0) * bytes.si() / net.bandwidth_Bps.value);
}

bool one_shot_allreduce(Topology t) {
  return t == Topology::switched || t == Topology::fat_tree || t == Topology::dragonfly;
}

const char* to_string(AllReduceAlgorithm a) {
  switch (a) {
    case AllReduceAlgorithm::ring: return "ring";
    case AllReduceAlgorithm::two_shot: return "two-shot";
    case AllReduceAlgorithm::one_shot: return "one-shot";
  }
  return "ring";
}

Seconds allreduce_time(AllReduceAlgorithm a, long long chips, Bytes bytes, const NetworkLevel& net) {
  switch (a) {
    case AllReduceAlgorithm::ring: return ring_allreduce_time(chips, bytes, net);
    case AllReduceAlgorithm::two_shot: return two_shot_allreduce_time(chips, bytes, net);
    case AllReduceAlgorithm::one_shot: return one_shot_allreduce_time(chips, bytes, net);
  }
  return ring_allreduce_time(chips, bytes, net);
}

AllReduceAlgorithm base_allreduce_algorithm(Topology t) {
  return two_shot_allreduce(t) ? AllReduceAlgorithm::two_shot : AllReduceAlgorithm::ring;
}

AllReduceAlgorithm allreduce_algorithm(long long chips, Bytes bytes, const NetworkLevel& net) {
  const AllReduceAlgorithm base = base_allreduce_algorithm(net.topology);
  if (chips <= 1 || !one_shot_allreduce(net.topology)) return base;
  return one_shot_allreduce_time(chips, bytes, net) < allreduce_time(base, chips, bytes, net) ? AllReduceAlgorithm::one_shot
                                                                                                : base;
}

Seconds allreduce_time(long long chips, Bytes bytes, const NetworkLevel& net) {
  return allreduce_time(allreduce_algorithm(chips, bytes, net), chips, bytes, net);
}

Seconds all_to_all_time(long long chips, Bytes bytes_out_per_chip, const NetworkLevel& net) {
  if (chips <= 1) return Seconds(0);
  return Seconds(hops_between_neighbours(net.topology) * net.latency_s.value +
                 bytes_out_per_chip.si() / net.bandwidth_Bps.value);
}

namespace {
constexpr unsigned kMinNodesPerRouter = 8;
constexpr unsigned kRoutersPerChassis = 16;  // Cray Cascade-like proportions
constexpr unsigned kChassisPerGroup = 6;
}  // namespace

DragonflyLayout dragonfly_layout(long long chips, long long tp_group) {
  const unsigned tp = static_cast<unsigned>(std::max<long long>(1, tp_group));
  DragonflyLayout d;
  d.nodes = tp * ((kMinNodesPerRouter + tp - 1) / tp);
  const unsigned routers = static_cast<unsigned>((std::max<long long>(1, chips) + d.nodes - 1) / d.nodes);
  d.blades = std::min(routers, kRoutersPerChassis);
  d.chassis = std::min((routers + d.blades - 1) / d.blades, kChassisPerGroup);
  d.groups = (routers + d.blades * d.chassis - 1) / (d.blades * d.chassis);
  // Minimal routing reaches group g through router g of the chassis: no more groups than routers.
  while (d.groups > d.blades) {
    d.blades *= 2;
    d.groups = (routers + d.blades * d.chassis - 1) / (d.blades * d.chassis);
  }
  return d;
}

int dragonfly_hops(const DragonflyLayout& d, long long a, long long b) {
  struct Router { unsigned g, c, bl; };
  auto router_of = [&](long long id) {
    const unsigned long long per_group = 1ULL * d.chassis * d.blades * d.nodes;
    const unsigned long long r = static_cast<unsigned long long>(id) % per_group;
    return Router{static_cast<unsigned>(static_cast<unsigned long long>(id) / per_group),
                  static_cast<unsigned>(r / (1ULL * d.blades * d.nodes)),
                  static_cast<unsigned>((r % (1ULL * d.blades * d.nodes)) / d.nodes)};
  };
  const Router src = router_of(a), dst = router_of(b);
  int hops = 2;  // chip -> its router, router -> chip
  if (src.g == dst.g && src.c == dst.c && src.bl == dst.bl) return hops;
  Router cur = src;
  if (dst.g != cur.g) {
    if (cur.bl != dst.g) { ++hops; cur.bl = dst.g; }   // green, to the router serving that group
    if (cur.c != 0) { ++hops; cur.c = 0; }             // black, to the group's first chassis
    ++hops;                                            // blue, the one hop between groups
    cur = Router{dst.g, src.g / d.blades, src.g % d.blades};
  }
  if (dst.bl != cur.bl) { ++hops; cur = Router{dst.g, 0, dst.bl}; }  // green (SimGrid lands in chassis 0)
  if (dst.c != cur.c) ++hops;                                         // black
  return hops;
}

Seconds stage_send_time(Bytes bytes, const NetworkLevel& net, long long chips, long long tp, long long from, long long to) {
  if (net.topology != Topology::dragonfly) return point_to_point_time(bytes, net);
  const int hops = dragonfly_hops(dragonfly_layout(chips, tp), from, to);
  return Seconds(hops * net.latency_s.value + bytes.si() / net.bandwidth_Bps.value);
}

Seconds point_to_point_time(Bytes bytes, const NetworkLevel& net) {
  return Seconds(hops_between_neighbours(net.topology) * net.latency_s.value + bytes.si() / net.bandwidth_Bps.value);
}

}  // namespace infersim
