// Internal to des/: the SimGrid platform built from the hardware descriptor and the plan (the
// contract is in des.hpp). Chip c of the plan is chip c = stage * tp + rank; scale-up domains hold
// consecutive chips.
#pragma once

#include <simgrid/s4u.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "scenario/scenario.hpp"

namespace infersim::des {

struct Platform {
  std::vector<simgrid::s4u::Host*> chips;
  std::vector<std::vector<simgrid::s4u::Host*>> tiers;  // [chip][tier]: memory pseudo-hosts
  std::vector<std::string> link_names;                   // sorted; the trace's /links table
  std::unordered_map<std::string, int> link_index;
  long long domain_chips = 1;    // chips per scale-up domain in this deployment
  double nic_rate_Bps = 0;       // cap of a flow that leaves its domain (0: none)
  long long hosts = 0;
  long long links = 0;
  std::string description;       // what was built, for logs and results

  long long domain_of(long long chip) const { return chip / domain_chips; }
  // Starts a point-to-point transfer with the NIC cap applied when it leaves the domain.
  simgrid::s4u::CommPtr start_send(long long from, long long to, double bytes);
  // The first link of the route from -> to (trace `link`), -1 if none.
  int first_link(long long from, long long to);

 private:
  std::unordered_map<long long, int> first_link_cache_;
  long long next_mailbox_ = 0;
  int payload_ = 0;
};

// Sets the network model (CM02, no cross-traffic, no TCP-gamma): call after the Engine exists and
// before any zone is created.
void configure_models();
Platform build_platform(const Scenario& s, const Plan& plan);

}  // namespace infersim::des
