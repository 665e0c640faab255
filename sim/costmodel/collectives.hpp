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
// the same bytes per port as the ring with 2 latencies instead of 2(n-1). Worked example: 8 x H100,
// S = 2 MiB: T = 2 * (2e-6 + 1835008 / 450e9) = 1.2155e-5 s (the ring: 3.6156e-5 s).
// A latency-bound all-reduce goes one-shot where every peer is equally near (switched fabrics, and
// a dragonfly's group under one router, where the DES places a tensor-parallel group): each chip
// sends its whole S to every peer at once and reduces what it receives, one step:
//     T = hops * latency + (n-1) * S / bandwidth
// (TensorRT-LLM's custom all-reduce runs one-shot below a message size and two-shot above it; a
// compiler-scheduled fabric such as Groq's sends to every peer of its node directly.) Worked example:
// 8 x H100, S = 16 KiB (one decode token of a 8192-wide model, bf16): one-shot 2e-6 + 7 * 16384 /
// 450e9 = 2.2549e-6 s; two-shot 2 * (2e-6 + 14336 / 450e9) = 4.0637e-6 s.
// allreduce_time() is the fastest algorithm the topology affords (allreduce_algorithm): one-shot or
// two-shot on switched fabrics, one-shot or the ring on dragonflies (collectives.cpp says why not
// two-shot), the ring on direct rings, tori, meshes and the wafer (neighbours only).
// All-to-all where each chip sends B bytes in total spread over the others: T = hops*lat + B/bw
// (all peers in parallel through the chip's port). Point-to-point: T = hops*lat + B/bw.
#pragma once

#include "descriptors/hardware.hpp"
#include "units/units.hpp"

namespace infersim {

int hops_between_neighbours(Topology t);
Seconds ring_allreduce_time(long long chips, Bytes bytes, const NetworkLevel& net);
Seconds two_shot_allreduce_time(long long chips, Bytes bytes, const NetworkLevel& net);
Seconds one_shot_allreduce_time(long long chips, Bytes bytes, const NetworkLevel& net);
bool two_shot_allreduce(Topology t);  // the fabric reaches every peer in the same hops
bool one_shot_allreduce(Topology t);  // every peer of a tensor-parallel group is equally near
enum class AllReduceAlgorithm { ring, two_shot, one_shot };
const char* to_string(AllReduceAlgorithm a);
// The topology's algorithm for large messages: two-shot on switched fabrics, else the ring.
AllReduceAlgorithm base_allreduce_algorithm(Topology t);
// The base algorithm, or one-shot where it is afforded and faster.
AllReduceAlgorithm allreduce_algorithm(long long chips, Bytes bytes, const NetworkLevel& net);
Seconds allreduce_time(AllReduceAlgorithm a, long long chips, Bytes bytes, const NetworkLevel& net);
Seconds allreduce_time(long long chips, Bytes bytes, const NetworkLevel& net);
Seconds all_to_all_time(long long chips, Bytes bytes_out_per_chip, const NetworkLevel& net);
Seconds point_to_point_time(Bytes bytes, const NetworkLevel& net);

// A dragonfly's layout as the DES builds it (des/platform.cpp) and SimGrid routes it: `nodes` chips
// per router (a multiple of the tensor-parallel group, so a group shares one router), `blades`
// routers per chassis (all-to-all "green" links), `chassis` per group (all-to-all "black" links per
// blade), `groups` joined by one "blue" link per pair (router g of each group serves group g).
struct DragonflyLayout {
  unsigned groups = 1, chassis = 1, blades = 1, nodes = 1;
};
DragonflyLayout dragonfly_layout(long long chips, long long tp);
// Link traversals from chip a to chip b under minimal routing: 2 under one router (up, down), one
// more per green, black or blue link crossed (up to 7 between groups: up, green, black, blue,
// green, black, down).
int dragonfly_hops(const DragonflyLayout& layout, long long a, long long b);
// The send from a stage's first chip to the next stage's first chip on a fabric of `chips`: the
// neighbour hop count, or the dragonfly's route where that is the fabric.
Seconds stage_send_time(Bytes bytes, const NetworkLevel& net, long long chips, long long tp, long long from, long long to);

}  // namespace infersim
