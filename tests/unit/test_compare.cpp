// Unit tests: the step's additive terms (costmodel/step_time.hpp StepTerms) and `infersim compare`'s
// equal chips, ratios and attribution (compare/compare.hpp), each derived by hand.
#include <doctest/doctest.h>

#include <cmath>

#include "compare/compare.hpp"
#include "costmodel/step_time.hpp"
#include "descriptors/input_error.hpp"

using namespace infersim;

namespace {
ScenarioOptions options(const std::string& hw, const std::string& model, const std::string& weights, long long batch) {
  ScenarioOptions o;
  o.hw = hw;
  o.model = model;
  o.weights = weights;
  o.kv = weights == "bf16" ? "bf16" : "fp8";
  o.batch = batch;
  return o;
}

double product(const Attribution& a) {
  double p = 1;
  for (const auto& f : a.factors) p *= f.ratio;
  return p;
}
}  // namespace

TEST_CASE("step terms: the additive parts sum to the step on every kind of step") {
  // Dense and MoE, split and overlapped phases, full and partial memory/compute overlap, one and
  // several pipeline stages, ideal and with every fixed cost.
  Calibration fitted;
  fitted.name = "test";
  fitted.compute_efficiency = 0.5;
  fitted.gemm_half_tokens = 64;
  fitted.weight_bandwidth_efficiency = 0.8;
  fitted.kv_bandwidth_efficiency = 0.4;
  fitted.collective_latency = Seconds(5e-6);
  fitted.layer_overhead = Seconds(2e-5);
  fitted.moe_layer_overhead = Seconds(3e-5);
  fitted.step_overhead = Seconds(1e-3);
  fitted.sequence_overhead = Seconds(2e-6);
  fitted.memory_compute_overlap = 0.4;
  for (const bool overlapped : {false, true})
    for (const bool calibrated : {false, true})
      for (const auto& [model, weights, batch, pp] :
           std::vector<std::tuple<std::string, std::string, long long, long long>>{
               {"llama-3.1-70b", "bf16", 1, 1}, {"llama-3.1-70b", "fp8", 256, 2}, {"mixtral-8x7b", "fp8", 64, 1}}) {
        ScenarioOptions o = options("h100-sxm", model, weights, batch);
        o.pp = pp;
        o.tp = 2;
        if (calibrated) {
          o.calibration = fitted;
          o.calibration.attention_overlaps_gemm = overlapped;
        }
        const Scenario s = resolve_scenario(o);
        const Plan plan = make_plan(s);
        REQUIRE(plan.fits);
        const Projection p = project(s, plan);
        for (const StepTime* t : {&p.decode, &p.prefill}) {
          CAPTURE(model);
          CAPTURE(calibrated);
          CAPTURE(overlapped);
          CHECK(t->terms.sum().si() == doctest::Approx(t->total.si()).epsilon(1e-12));
          CHECK(t->terms.weights_read.si() >= 0);
          CHECK(t->terms.gemm_math.si() >= 0);
        }
        // Decode at batch 1 streams the weights: its weights term is the largest.
        if (batch == 1) CHECK(p.decode.terms.weights_read > p.decode.terms.gemm_math);
      }
}

TEST_CASE("step terms: a compute-bound phase charges its math whole and the unhidden share of its memory") {
  // Prefill of 1,024 tokens on one H100 is compute-bound; with overlap o, the GEMM phase is
  // math + (1 - o) * weights' read time, which the terms report as gemm_math and weights_read.
  ScenarioOptions o = options("h100-sxm", "llama-3.1-8b", "bf16", 1);
  Calibration c;
  c.name = "overlap";
  c.memory_compute_overlap = 0.25;
  o.calibration = c;
  const Scenario s = resolve_scenario(o);
  const Plan plan = make_plan(s);
  const Projection p = project(s, plan);
  REQUIRE(p.prefill.bound == "compute");
  const double math = p.prefill.terms.gemm_math.si();
  const double weights = p.prefill.terms.weights_read.si();
  CHECK(math > 0);
  // weights_read is (1 - 0.25) of the weights' streaming time: 16.06 GB / 3.35 TB/s = 4.79 ms.
  const double streaming_s = plan.weights_bytes_per_chip.si() / s.hw.tiers[0].bandwidth_Bps.value;
  CHECK(weights == doctest::Approx(0.75 * streaming_s).epsilon(0.02));
}

TEST_CASE("compare: twice the memory bandwidth is attributed to the weights' read (the header's example)") {
  // Llama-3.1-70B bf16, batch 1, 2 H100 SXM (tp2): 69.50 GB of weights per chip at 3.35 TB/s is
  // 20.75 ms of the 21.13 ms step; at 6.7 TB/s it is 10.37 ms and the step 10.73 ms (the 0.33 ms of
  // all-reduces stay): tok/s per chip x1.970, of which the weights' read carries x1.966.
  const ScenarioOptions base = options("h100-sxm", "llama-3.1-70b", "bf16", 1);
  const Comparison c = compare(base, {parse_variant("memory-bandwidth-scale=2,label=2x")}, {});
  REQUIRE(c.scenarios.size() == 2);
  CHECK(c.scenarios[1].label == "2x");
  const Projection& b = c.scenarios[0].projection;
  const Projection& v = c.scenarios[1].projection;
  CHECK(b.decode.total.si() == doctest::Approx(21.13e-3).epsilon(2e-3));
  CHECK(v.decode.total.si() == doctest::Approx(10.73e-3).epsilon(2e-3));
  CHECK(b.decode.terms.weights_read.si() == doctest::Approx(20.75e-3).epsilon(2e-3));
  const Attribution& a = c.attributions[1];
  REQUIRE(a.available);
  CHECK(a.tok_s_per_chip_ratio == doctest::Approx(v.decode_tok_s_per_chip / b.decode_tok_s_per_chip));
  CHECK(product(a) == doctest::Approx(a.tok_s_per_chip_ratio).epsilon(1e-12));
  for (const auto& f : a.factors) {
    if (f.term == "weights read") CHECK(f.ratio == doctest::Approx(1.966).epsilon(1e-3));
    else if (f.term == "KV read") CHECK(f.ratio == doctest::Approx(1.0018).epsilon(1e-3));
    else CHECK(f.ratio == doctest::Approx(1.0));
  }
  // The scaled number is marked as what it is: an assumption.
  CHECK(c.scenarios[1].scenario.hw.tiers[0].bandwidth_Bps.provenance.tag == Tag::assumption);
  CHECK(c.scenarios[1].scenario.hw.tiers[0].bandwidth_Bps.value == doctest::Approx(6.7e12));
}

TEST_CASE("compare: equal chips by default, each its own with equal_chips off") {
  // Llama-3.1-405B on B200: FP8 (405 GB) takes more chips than FP4 (203 GB); at equal chips the
  // FP4 variant runs on the FP8 count, so the per-chip ratio is the precision's alone.
  const ScenarioOptions base = options("b200", "llama-3.1-405b", "fp8", 64);
  const Comparison equal = compare(base, {parse_variant("weights=fp4")}, {});
  const long long fp8_chips = equal.scenarios[0].projection.plan.chips;
  CHECK(equal.scenarios[0].own_chips == fp8_chips);
  CHECK(equal.scenarios[1].own_chips < fp8_chips);
  CHECK(equal.scenarios[1].projection.plan.chips == fp8_chips);
  CHECK(equal.chips_policy.find("equal chips") != std::string::npos);
  CompareOptions own;
  own.equal_chips = false;
  const Comparison apart = compare(base, {parse_variant("weights=fp4")}, own);
  CHECK(apart.scenarios[1].projection.plan.chips == equal.scenarios[1].own_chips);
  // Apart, the chip count is a factor of its own; at equal chips it is 1.
  auto chips_factor = [](const Attribution& a) {
    for (const auto& f : a.factors)
      if (f.term == "chips per replica") return f.ratio;
    return 0.0;
  };
  CHECK(chips_factor(equal.attributions[1]) == doctest::Approx(1.0));
  CHECK(chips_factor(apart.attributions[1]) ==
        doctest::Approx(static_cast<double>(fp8_chips) / static_cast<double>(apart.scenarios[1].projection.plan.chips)));
  CHECK(product(apart.attributions[1]) == doctest::Approx(apart.attributions[1].tok_s_per_chip_ratio).epsilon(1e-12));
  // A scenario that sets its own deployment keeps it.
  const Comparison given = compare(base, {parse_variant("weights=fp4,chips=8")}, {});
  CHECK(given.scenarios[1].projection.plan.chips == 8);
  CHECK(given.scenarios[1].deployment_note == "as given");
}

TEST_CASE("compare: batch and a compute what-if land on their own factors") {
  // Batch 1 -> 64 on the same chips: the batch factor is exactly 64 and the step's growth (KV read,
  // GEMM math at 64 rows) takes some of it back.
  const ScenarioOptions base = options("h100-sxm", "llama-3.1-8b", "fp8", 1);
  const Comparison c = compare(base, {parse_variant("batch=64"), parse_variant("flops-scale=2")}, {});
  const Attribution& batch = c.attributions[1];
  CHECK(batch.factors[0].term == "batch");
  CHECK(batch.factors[0].ratio == doctest::Approx(64.0));
  CHECK(product(batch) == doctest::Approx(batch.tok_s_per_chip_ratio).epsilon(1e-12));
  double step_share = 1;
  for (size_t i = 2; i < batch.factors.size(); ++i) step_share *= batch.factors[i].ratio;
  CHECK(step_share < 1.0);  // a bigger batch makes a longer step
  // Twice the FLOP/s on a memory-bound batch-1 decode changes nothing but unhidden math.
  const Attribution& flops = c.attributions[2];
  CHECK(flops.tok_s_per_chip_ratio == doctest::Approx(1.0).epsilon(0.01));
  for (const auto& f : flops.factors)
    if (f.term == "weights read" || f.term == "KV read") CHECK(f.ratio == doctest::Approx(1.0));
}

TEST_CASE("compare: a bad variant names the key and the accepted ones") {
  auto message = [](const std::string& text) {
    try {
      ScenarioOptions base;
      (void)compare(base, {parse_variant(text)}, {});
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(message("flop-scale=2").find("did you mean") != std::string::npos);
  CHECK(message("hw").find("key=value") != std::string::npos);
  CHECK(message("batch=lots").find("whole number") != std::string::npos);
  CHECK(message("flops-scale=-1").find("factor in (0, 1e6]") != std::string::npos);
  CHECK(message("hw=no-such-chip").find("no-such-chip") != std::string::npos);
  CHECK(message("memory-bandwidth-scale=2").empty());
}
