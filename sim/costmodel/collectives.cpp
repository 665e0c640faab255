#include "costmodel/collectives.hpp"

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

Seconds allreduce_time(long long chips, Bytes bytes, const NetworkLevel& net) {
  return two_shot_allreduce(net.topology) ? two_shot_allreduce_time(chips, bytes, net)
                                          : ring_allreduce_time(chips, bytes, net);
}

Seconds all_to_all_time(long long chips, Bytes bytes_out_per_chip, const NetworkLevel& net) {
  if (chips <= 1) return Seconds(0);
  return Seconds(hops_between_neighbours(net.topology) * net.latency_s.value +
                 bytes_out_per_chip.si() / net.bandwidth_Bps.value);
}

Seconds point_to_point_time(Bytes bytes, const NetworkLevel& net) {
  return Seconds(hops_between_neighbours(net.topology) * net.latency_s.value + bytes.si() / net.bandwidth_Bps.value);
}

}  // namespace infersim
