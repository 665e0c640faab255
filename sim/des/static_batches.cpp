// `infersim simulate`'s minimal workload (static batching) and its results JSON.
#include <algorithm>

#include "analytic/projection.hpp"
#include "des/des.hpp"

namespace infersim {

nlohmann::json simulate_static_batches(const Scenario& s, const Plan& plan, const DesOptions& options,
                                       long long requests) {
  std::vector<TraceRequestRecord> done;
  double decode_s = 0;           // summed over batches: time spent in decode iterations
  double decode_tokens = 0;      // tokens those iterations produced
  double stream_tok_s_sum = 0;   // per request: (output-1) / its decode time
  long long streams = 0;
  const long long batch = s.batch;
  const double prompt = static_cast<double>(s.prompt_tokens);
  DesRunInfo info = run_in_engine(s, plan, options, [&](DesReplicaRuntime& rt) {
    for (long long first = 0, b = 0; first < requests && !rt.stop_requested(); first += batch, ++b) {
      const long long n = std::min(batch, requests - first);
      rt.set_batch(b);
      const double prefill_start = rt.now().si();
      rt.run_step(StepShape::prefill(n, prompt, 0.0));
      rt.mark_event();  // the batch's first tokens
      const double first_token = rt.now().si();
      for (long long k = 1; k < s.output_tokens && !rt.stop_requested(); ++k) {
        const Seconds dt = rt.run_step(StepShape::decode(n, prompt + static_cast<double>(k)));
        decode_s += dt.si();
        decode_tokens += static_cast<double>(n);
      }
      rt.mark_event();  // the batch finishes
      const double end = rt.now().si();
      for (long long r = first; r < first + n; ++r) {
        TraceRequestRecord rec;
        rec.request = r;
        rec.batch = b;
        rec.arrival_s = 0;
        rec.prefill_start_s = prefill_start;
        rec.first_token_s = first_token;
        rec.end_s = end;
        rec.prompt_tokens = s.prompt_tokens;
        rec.output_tokens = s.output_tokens;
        rt.record_request(rec);
        done.push_back(rec);
        if (s.output_tokens > 1 && end > first_token) {
          stream_tok_s_sum += static_cast<double>(s.output_tokens - 1) / (end - first_token);
          ++streams;
        }
      }
    }
  });

  // The closed form's structure and field names, with the measured values.
  Projection closed = project(s, plan);
  Projection p = closed;
  double ttft_sum = 0;
  for (const auto& r : done) ttft_sum += r.first_token_s - r.arrival_s;
  const double ttft = done.empty() ? 0.0 : ttft_sum / static_cast<double>(done.size());
  if (decode_tokens > 0) {
    p.decode_tok_s_per_stream = stream_tok_s_sum / static_cast<double>(std::max(1LL, streams));
    p.decode_tok_s_deployment = decode_tokens / decode_s;
  }
  p.ttft_s = ttft;
  derive_economics(s, p);
  nlohmann::json j = to_json(s, p);
  j["engine"] = "des";
  // The measured mean decode iteration replaces the roofline breakdown.
  const long long iterations = info.counters.decode_steps;
  j["decode_step"] = {{"total_s", iterations > 0 ? decode_s / static_cast<double>(iterations) : 0.0}};
  j.erase("prefill_step");
  j["closed_form"] = {{"decode_tok_s_per_stream", closed.decode_tok_s_per_stream},
                      {"decode_tok_s_deployment", closed.decode_tok_s_deployment},
                      {"ttft_s", closed.ttft_s},
                      {"decode_step_s", closed.decode.total.si()},
                      {"decode_deviation", closed.decode_tok_s_per_stream > 0
                                               ? p.decode_tok_s_per_stream / closed.decode_tok_s_per_stream - 1.0
                                               : 0.0},
                      {"ttft_deviation", closed.ttft_s > 0 ? ttft / closed.ttft_s - 1.0 : 0.0}};

  const DesCounters& c = info.counters;
  const double T = info.simulated_s;
  nlohmann::json tiers = nlohmann::json::array();
  for (std::size_t t = 0; t < s.hw.tiers.size(); ++t) {
    const double bw = s.hw.tiers[t].bandwidth_Bps.value;
    tiers.push_back({{"tier", s.hw.tiers[t].name},
                     {"busy_fraction", T > 0 ? c.tier_busy_s[t] / T : 0.0},
                     {"bandwidth_fraction", T > 0 ? c.tier_bytes[t] / (bw * T) : 0.0},
                     {"bytes_per_chip", c.tier_bytes[t]}});
  }
  const double peak = s.hw.flops_for(s.weights).value;
  nlohmann::json cal = {{"source", info.collectives.source},
                        {"tp_allreduce_latency_s", info.collectives.tp_allreduce.latency_s},
                        {"tp_allreduce_s_per_byte", info.collectives.tp_allreduce.s_per_byte},
                        {"tp_allreduce_one_shot", info.collectives.one_shot},
                        {"tp_allreduce_one_shot_latency_s", info.collectives.tp_allreduce_one_shot.latency_s},
                        {"tp_allreduce_one_shot_s_per_byte", info.collectives.tp_allreduce_one_shot.s_per_byte},
                        {"ep_all_to_all_latency_s", info.collectives.ep_all_to_all.latency_s},
                        {"ep_all_to_all_s_per_byte", info.collectives.ep_all_to_all.s_per_byte},
                        {"pp_sends_latency_s", info.collectives.pp_sends.latency_s},
                        {"pp_sends_s_per_byte", info.collectives.pp_sends.s_per_byte},
                        {"simulated_s", info.calibration_s}};
  j["des"] = {{"detail", to_string(options.detail)},
              {"seed", options.seed},
              {"micro_batches", options.micro_batches},
              {"requests", requests},
              {"workload", "static batching: requests arrive at t=0, batches of --batch"},
              {"simulated_s", T},
              {"activities", c.activities},
              {"steps", c.steps},
              {"decode_iterations", c.decode_steps},
              {"prefill_chunks", c.prefill_steps},
              {"deferred_steps", c.deferred_steps},
              {"event_runs", c.event_runs},
              {"hosts", info.hosts},
              {"links", info.links},
              {"stopped_early", info.stopped},
              {"collective_timings", cal},
              {"utilisation",
               {{"compute_busy_fraction", T > 0 ? c.compute_busy_s / T : 0.0},
                {"compute_flop_fraction", T > 0 ? c.flop / (peak * T) : 0.0},
                {"communication_busy_fraction", T > 0 ? c.communication_busy_s / T : 0.0},
                {"memory", tiers},
                {"note", "per chip (chip 0; step detail folds symmetric chips), over the simulated time"}}}};
  nlohmann::json reqs = nlohmann::json::array();
  for (const auto& r : done)
    reqs.push_back({{"request", r.request}, {"batch", r.batch}, {"arrival_s", r.arrival_s},
                    {"prefill_start_s", r.prefill_start_s}, {"first_token_s", r.first_token_s},
                    {"end_s", r.end_s}, {"ttft_s", r.first_token_s - r.arrival_s},
                    {"prompt_tokens", r.prompt_tokens}, {"output_tokens", r.output_tokens}});
  j["requests"] = reqs;
  return j;
}

}  // namespace infersim
