// Contract: textbook time formulas of the collectives, per topology, shared by the closed form and
// by the DES fidelity tests (the DES itself lets SimGrid compute them on the built platform).
//
// Ring all-reduce of S bytes over n chips: 2(n-1) steps, each moving S/n bytes to a neighbour:
//     T = 2(n-1) * (hops * latency + (S/n) / bandwidth)
// where `hops` is the number of link traversals between ring neighbours: 2 through a switch
// (chip -> switch -> chip: the up-link and the down-link each add their latency), 1 on a direct
// ring, torus, mesh or wafer fabric. Bandwidth is per chip per direction; with a non-blocking switch
// each chip's port is the only bottleneck, so the S/n term is paid once per step.
// Worked example: 8 x H100 (switch, 450 GB/s, 1 us), S = 2 MiB:
//     T = 14 * (2e-6 + 262144 / 450e9) = 14 * 2.5825e-6 = 3.6156e-5 s.
// On a switched fabric (a switch or a fat tree: every chip reaches every other in the same
// number of hops) a small all-reduce does not walk the ring: it reduce-scatters (each chip sends its
// S/n share to every peer at once through its port) and all-gathers the same way, two steps
// ("two-shot", as NCCL's NVLS and TensorRT-LLM's custom all-reduce do on NVSwitch):
//     T = 2 * (hops * latency + ((n-1)/n) * S / bandwidth)
// the same bytes per port as the ring with 2 latencies instead of 2(n-1). allreduce_time() is the
// algorithm the topology affords: two-shot on switched fabrics, the ring on direct rings, tori,
// meshes and the wafer (neighbours only) and on dragonflies (collectives.cpp says why). Worked example: 8 x H100, S = 2 MiB:
//     T = 2 * (2e-6 + 1835008 / 450e9) = 1.2155e-5 s (the ring: 3.6156e-5 s).
// All-to-all where each chip sends B bytes in total spread over the others: T = hops*lat + B/bw
// (all peers in parallel through the chip's port). Point-to-point: T = hops*lat + B/bw.
#pragma once

#include "descriptors/hardware.hpp"
#include "units/units.hpp"

namespace infersim {

int hops_between_neighbours(Topology t);
Seconds ring_allreduce_time(long long chips, Bytes bytes, const NetworkLevel& net);
Seconds two_shot_allreduce_time(long long chips, Bytes bytes, const NetworkLevel& net);
bool two_shot_allreduce(Topology t);  // the fabric reaches every peer in the same hops
Seconds allreduce_time(long long chips, Bytes bytes, const NetworkLevel& net);
Seconds all_to_all_time(long long chips, Bytes bytes_out_per_chip, const NetworkLevel& net);
Seconds point_to_point_time(Bytes bytes, const NetworkLevel& net);

}  // namespace infersim
