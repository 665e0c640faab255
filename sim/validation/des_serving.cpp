#include "validation/des_serving.hpp"

#include "des/des.hpp"
#include "validation/child_process.hpp"

namespace infersim {

ServingResult serve_on_des_in_child(const Scenario& s, const Plan& plan, const WorkloadSpec& w,
                                    const ServingOptions& o) {
  const nlohmann::json j = in_child([&] {
    ServingResult r;
    ServingOptions so = o;
    so.sink = nullptr;
    DesOptions d;
    d.detail = Detail::event;  // the same results as step detail (tests/des/test_event_advance.cpp), faster
    d.simgrid_args = {"--log=root.thres:critical"};
    run_in_engine(s, plan, d, [&](DesReplicaRuntime& rt) { r = run_serving(s, plan, w, so, rt); });
    return nlohmann::json{{"requests", r.requests},
                          {"output_tok_s_deployment", r.output_tok_s_deployment},
                          {"output_tok_s_per_chip", r.output_tok_s_per_chip},
                          {"ttft_mean_s", r.ttft_s.mean},
                          {"tpot_mean_s", r.tpot_s.mean},
                          {"itl_mean_s", r.itl_s.mean},
                          {"requests_rejected", r.json.value("requests_rejected", 0LL)}};
  });
  if (j.contains("error")) throw std::runtime_error("DES serving run failed: " + j["error"].get<std::string>());
  ServingResult r;
  r.requests = j["requests"].get<long long>();
  r.output_tok_s_deployment = j["output_tok_s_deployment"].get<double>();
  r.output_tok_s_per_chip = j["output_tok_s_per_chip"].get<double>();
  r.ttft_s.mean = j["ttft_mean_s"].get<double>();
  r.tpot_s.mean = j["tpot_mean_s"].get<double>();
  r.itl_s.mean = j["itl_mean_s"].get<double>();
  r.json = {{"requests_rejected", j["requests_rejected"]}};
  return r;
}

}  // namespace infersim
