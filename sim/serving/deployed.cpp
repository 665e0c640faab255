#include "serving/deployed.hpp"

#include <algorithm>

#include "serving/kv_cache.hpp"

namespace infersim {

long long ServedReplica::steady_requests(long long wanted) const {
  return std::max({wanted, kSteadyBatches * choice.batch, kSteadyMinRequests});
}

ServedReplica serve_one_replica(const Scenario& s, const DeploymentChoice& d, long long chips,
                                const ServingOptions& so, bool streamed, std::optional<long long> ep) {
  ServedReplica x;
  x.choice = d;
  x.s = s;
  x.s.tp = d.tp;
  x.s.pp = d.pp;
  x.s.chips = d.tp * d.pp;
  x.s.dp = 1;
  x.s.ep = ep.value_or(d.ep);
  x.plan = plan_with(x.s, d.tp, d.pp, *x.s.ep);
  x.replicas = std::max<long long>(1, chips / (d.tp * d.pp));
  x.groups = streamed ? d.groups : 1;
  x.so = so;
  x.so.pipeline_groups = x.groups;  // the groups share the stages: a round waits for its slowest
  if (x.groups > 1) {
    x.so.max_batch = std::max<long long>(1, x.so.max_batch / x.groups);
    x.so.kv_blocks = std::max<long long>(1, kv_capacity(x.s, x.plan, x.so.block_tokens).blocks / x.groups);
  }
  return x;
}

}  // namespace infersim
