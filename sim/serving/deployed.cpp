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
  x.s.dp = 1;
  x.s.ep = ep.value_or(d.ep);
  x.s.chips = replica_chips(d.tp, d.pp, *x.s.ep);
  x.plan = plan_with(x.s, d.tp, d.pp, *x.s.ep);
  x.replicas = std::max<long long>(1, chips / x.plan.chips);
  x.groups = streamed ? d.groups : 1;
  x.so = so;
  x.so.pipeline_groups = x.groups;  // the groups share the stages: a round waits for its slowest
  if (x.groups > 1) {
    x.so.max_batch = std::max<long long>(1, x.so.max_batch / x.groups);
    x.so.kv_blocks = std::max<long long>(1, kv_capacity(x.s, x.plan, x.so.block_tokens).blocks / x.groups);
  }
  return x;
}

double offline_tok_s_over_min_duration(const ServingResult& r, double min_duration_s) {
  const double made = r.output_tok_s_deployment * r.makespan_s;
  if (!(min_duration_s > r.makespan_s) || !(r.steady_output_tok_s_deployment > 0)) return r.output_tok_s_deployment;
  return (made + (min_duration_s - r.makespan_s) * r.steady_output_tok_s_deployment) / min_duration_s;
}

}  // namespace infersim
