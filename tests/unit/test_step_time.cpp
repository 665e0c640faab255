// Unit tests: each term of the step-time model (costmodel/step_time.hpp) derived by hand, the
// engine-facing effective work, and the operator's deployment search (planner/deployment.hpp).
#include <doctest/doctest.h>

#include <cmath>

#include "costmodel/collectives.hpp"
#include "descriptors/input_error.hpp"
#include "costmodel/step_time.hpp"
#include "planner/deployment.hpp"

using namespace infersim;

namespace {
Scenario scenario(const std::string& hw, const std::string& model, const std::string& weights, const Calibration& c) {
  ScenarioOptions o;
  o.hw = hw;
  o.model = model;
  o.weights = weights;
  o.kv = weights == "bf16" ? "bf16" : "fp8";
  o.calibration = c;
  return resolve_scenario(o);
}

Calibration fitted_like() {
  Calibration c;
  c.name = "test";
  c.compute_efficiency = 0.5;
  c.gemm_half_tokens = 64;
  c.weight_bandwidth_efficiency = 0.8;
  c.kv_bandwidth_efficiency = 0.4;
  c.network_efficiency = 0.5;
  c.collective_latency = Seconds(5e-6);
  c.layer_overhead = Seconds(2e-5);
  c.moe_layer_overhead = Seconds(3e-5);
  c.step_overhead = Seconds(1e-3);
  c.sequence_overhead = Seconds(2e-6);
  c.attention_overlaps_gemm = false;
  return c;
}
}  // namespace

TEST_CASE("step time: every term of a calibrated decode step, derived by hand") {
  const Calibration c = fitted_like();
  const Scenario s = scenario("h100-sxm", "llama-2-70b", "fp8", c);
  const Plan plan = plan_with(s, 2, 1, 1);
  const StepShape shape = StepShape::decode(256, 500);
  const StepCost cost = step_cost(s, plan, shape);
  const StepTime t = step_time(s, plan, cost);
  const double peak = 1978.9e12, bw = 3.35e12;
  // GEMM phase: the larger of the weights at 80 % of HBM and the GEMM FLOP at 0.5 * 256/(256+64).
  const double gemm_compute = cost.gemm_flop.si() / (peak * 0.5 * 256.0 / 320.0);
  const double weights = cost.weight_bytes.si() / (bw * 0.8);
  CHECK(t.gemm.si() == doctest::Approx(std::max(gemm_compute, weights)).epsilon(1e-12));
  // Attention phase: KV read + write at 40 %, or the attention FLOP at the large-GEMM efficiency.
  const double kv = (cost.kv_read_bytes + cost.kv_write_bytes).si() / (bw * 0.4);
  const double attention = cost.attention_flop.si() / (peak * 0.5);
  CHECK(t.attention.si() == doctest::Approx(std::max(kv, attention)).epsilon(1e-12));
  // Collectives: 160 all-reduces at half the NVLink bandwidth, each + 5 us to launch; over two
  // chips one-shot (one step: the whole vector to the peer) is always the faster.
  NetworkLevel net = s.hw.scale_up;
  net.bandwidth_Bps.value *= 0.5;
  CHECK(cost.tp_allreduces == 160);
  const double ar = 2 * 1e-6 + cost.tp_allreduce_bytes.si() / net.bandwidth_Bps.value + 5e-6;
  CHECK(allreduce_algorithm(2, cost.tp_allreduce_bytes, net) == AllReduceAlgorithm::one_shot);
  CHECK(t.tp_communication.si() == doctest::Approx(160 * ar).epsilon(1e-12));
  // Fixed: 80 layers x 20 us per stage; 1 ms + 256 x 2 us per step.
  CHECK(t.overhead.si() == doctest::Approx(80 * 2e-5).epsilon(1e-12));
  CHECK(t.step_overhead.si() == doctest::Approx(1e-3 + 256 * 2e-6).epsilon(1e-12));
  CHECK(t.total.si() == doctest::Approx(t.gemm.si() + t.attention.si() + t.tp_communication.si() + t.overhead.si() +
                                        t.step_overhead.si())
                            .epsilon(1e-12));
}

TEST_CASE("step time: ideal is the roofline bound (one overlapped phase, no fixed costs)") {
  const Scenario s = scenario("h100-sxm", "llama-2-70b", "fp8", Calibration{});
  const Plan plan = plan_with(s, 1, 1, 1);
  const StepCost cost = step_cost(s, plan, StepShape::decode(64, 1000));
  const StepTime t = step_time(s, plan, cost);
  const double compute = cost.flop.si() / 1978.9e12, memory = cost.tier_bytes[0].si() / 3.35e12;
  CHECK(t.total.si() == doctest::Approx(std::max(compute, memory)).epsilon(1e-12));
  CHECK(t.attention.si() == 0.0);
}

TEST_CASE("effective work: running it at peak takes the calibrated time, phase by phase") {
  const Calibration c = fitted_like();
  const Scenario s = scenario("h100-sxm", "llama-2-70b", "fp8", c);
  const Plan plan = plan_with(s, 1, 1, 1);
  const StepCost cost = step_cost(s, plan, StepShape::decode(128, 800));
  const StepTime t = step_time(s, plan, cost);
  const EffectiveWork w = effective_work(s, cost);
  REQUIRE(w.phases.size() == 2);
  auto phase_s = [&](const WorkPhase& p) { return std::max(p.flop_at_peak / 1978.9e12, p.tier_bytes_at_peak[0] / 3.35e12); };
  CHECK(phase_s(w.phases[0]) == doctest::Approx(t.gemm.si()).epsilon(1e-12));
  CHECK(phase_s(w.phases[1]) == doctest::Approx(t.attention.si()).epsilon(1e-12));
  CHECK(w.stage_fixed.si() == doctest::Approx(t.overhead.si()).epsilon(1e-12));
  CHECK(w.step_fixed.si() == doctest::Approx(t.step_overhead.si()).epsilon(1e-12));
}

TEST_CASE("deployment search: one replica per GPU where the weights fit with room for a KV cache") {
  // Llama-2-70B FP8 on 8 x MI325X (256 GB each): TP1 replicas, as AMD's MLPerf submission ran them.
  const Scenario s = scenario("mi325x", "llama-2-70b", "fp8", Calibration{});
  DeploymentQuery q;
  q.chips = 8;
  q.mean_input_tokens = 222.3;
  q.mean_output_tokens = 294.45;
  const DeploymentChoice d = search_deployment(s, q);
  REQUIRE(d.found);
  CHECK(d.tp == 1);
  CHECK(d.pp == 1);
  CHECK(d.replicas == 8);
  CHECK(d.explanation.find("runner-up") != std::string::npos);
  // Score = replicas * batch / step / chips, with the step of the batch it chose.
  CHECK(d.tok_s_per_chip == doctest::Approx(8.0 * static_cast<double>(d.batch) / d.step_s / 8.0).epsilon(1e-12));
}

TEST_CASE("deployment search: a TPOT limit shrinks the batch until the step meets it") {
  const Scenario s = scenario("mi325x", "llama-2-70b", "fp8", fitted_like());
  DeploymentQuery q;
  q.chips = 8;
  q.mean_input_tokens = 222.3;
  q.mean_output_tokens = 294.45;
  const DeploymentChoice loose = search_deployment(s, q);
  q.tpot_limit_s = 0.04;  // MLPerf Interactive
  const DeploymentChoice tight = search_deployment(s, q);
  REQUIRE(tight.found);
  CHECK(tight.step_s <= 0.04);
  CHECK(tight.batch < loose.batch);
}

TEST_CASE("step time: attention runs at the wider of the weights' and the KV cache's precision") {
  Calibration ideal;
  ideal.name = "ideal";
  // B200: FP4 9,000, FP8 4,500, BF16 2,250 TFLOP/s dense (hardware/b200.json).
  const Scenario fp4 = scenario("b200", "llama-3.1-70b", "fp4", ideal);  // FP8 cache
  const Scenario fp8 = scenario("b200", "llama-3.1-70b", "fp8", ideal);
  const Scenario bf16 = scenario("b200", "llama-3.1-70b", "bf16", ideal);
  CHECK(attention_peak_flops(fp4) == doctest::Approx(fp4.hw.flops_for(Precision::fp8).value));
  CHECK(attention_peak_flops(fp8) == doctest::Approx(fp8.hw.flops_for(Precision::fp8).value));
  CHECK(attention_peak_flops(bf16) == doctest::Approx(bf16.hw.flops_for(Precision::bf16).value));
  CHECK(fp4.hw.flops_for(Precision::fp4).value > attention_peak_flops(fp4) * 1.5);
  // A prefill step's attention phase is then twice as long under FP4 weights as the FP4 peak gives.
  const Plan plan = plan_with(fp4, 1, 1, 1);
  const StepCost c = step_cost(fp4, plan, StepShape::prefill(1, 8192, 0));
  const StepTime t = step_time(fp4, plan, c);
  CHECK(t.compute.si() == doctest::Approx(c.gemm_flop.si() / fp4.hw.flops_for(Precision::fp4).value +
                                          c.attention_flop.si() / fp4.hw.flops_for(Precision::fp8).value));
}

TEST_CASE("step time: fp4_gemm_efficiency slows FP4 GEMMs only where the chip has a native FP4 rate") {
  Calibration half;
  half.name = "half-fp4";
  half.fp4_gemm_efficiency = 0.5;
  Calibration ideal;
  ideal.name = "ideal";
  auto gemm_s = [](const Scenario& s) {
    const Plan plan = plan_with(s, 1, 1, 1);
    return step_time(s, plan, step_cost(s, plan, StepShape::prefill(1, 8192, 0))).compute.si() -
           step_cost(s, plan, StepShape::prefill(1, 8192, 0)).attention_flop.si() / attention_peak_flops(s);
  };
  // B200 has FP4 tensor cores: the GEMM time doubles.
  CHECK(gemm_s(scenario("b200", "llama-3.1-8b", "fp4", half)) ==
        doctest::Approx(2.0 * gemm_s(scenario("b200", "llama-3.1-8b", "fp4", ideal))));
  // H100 runs FP4 weights at its FP8 rate: the term does not apply; nor to FP8 weights on B200.
  CHECK(gemm_s(scenario("h100-sxm", "llama-3.1-8b", "fp4", half)) ==
        doctest::Approx(gemm_s(scenario("h100-sxm", "llama-3.1-8b", "fp4", ideal))));
  CHECK(gemm_s(scenario("b200", "llama-3.1-8b", "fp8", half)) ==
        doctest::Approx(gemm_s(scenario("b200", "llama-3.1-8b", "fp8", ideal))));
}

TEST_CASE("step time: memory_compute_overlap hides that share of the shorter of a phase's math and memory") {
  // 1: the roofline's max (every phase's memory under its math or the reverse); 0: one after the
  // other; between: the longer plus the rest of the shorter. The DES's effective work adds the
  // part not hidden as a fixed delay, so both engines time the step the same.
  Calibration c = fitted_like();
  const Scenario full = scenario("b200", "llama-2-70b", "fp4", c);
  const Plan plan = plan_with(full, 1, 1, 1);
  const StepCost cost = step_cost(full, plan, StepShape::decode(256, 500));
  const StepTime t1 = step_time(full, plan, cost);
  for (double overlap : {0.0, 0.3, 1.0}) {
    c.memory_compute_overlap = overlap;
    const Scenario s = scenario("b200", "llama-2-70b", "fp4", c);
    const StepTime t = step_time(s, plan, cost);
    INFO("overlap " << overlap);
    const EffectiveWork w = effective_work(s, cost);
    REQUIRE(w.phases.size() == 2);
    const double peak = s.hw.flops_for(s.weights).value, bw = s.hw.tiers[0].bandwidth_Bps.value;
    double des_phases = 0;
    for (const WorkPhase& p : w.phases) {
      const double math = p.flop_at_peak / peak, memory = p.tier_bytes_at_peak[0] / bw;
      des_phases += std::max(math, memory);
      // The step time's phase: the longer plus (1 - overlap) of the shorter.
      const double expect = std::max(math, memory) + (1 - overlap) * std::min(math, memory);
      CHECK((&p == &w.phases[0] ? t.gemm.si() : t.attention.si()) == doctest::Approx(expect).epsilon(1e-12));
    }
    // DES: phases at their max, the part not hidden in the stage's fixed time.
    CHECK(des_phases + w.stage_fixed.si() == doctest::Approx(t.gemm.si() + t.attention.si() + t.overhead.si()).epsilon(1e-12));
  }
  // Less overlap is never faster.
  c.memory_compute_overlap = 0.0;
  CHECK(step_time(scenario("b200", "llama-2-70b", "fp4", c), plan, cost).total.si() > t1.total.si());
}

TEST_CASE("step time: a fitted calibration runs compute against the chip's sustained matmul rate") {
  Calibration sustained;
  sustained.name = "sustained";
  sustained.sustained_matmul = true;
  Calibration datasheet;
  datasheet.name = "ideal";
  for (const char* id : {"h100-sxm", "mi325x", "h100-pcie"}) {
    CAPTURE(id);
    Scenario a = scenario(id, "llama-3.1-8b", "fp8", sustained);
    a.hw.static_power_W.reset();  // the rate alone; the power cap's share is the next test's
    const Scenario b = scenario(id, "llama-3.1-8b", "fp8", datasheet);
    const double f = a.hw.sustained_matmul_fraction.value;
    REQUIRE(f > 0.4);
    REQUIRE(f < 1.0);
    const Plan plan = plan_with(a, 1, 1, 1);
    const StepCost c = step_cost(a, plan, StepShape::prefill(1, 8192, 0));
    // Compute (GEMMs and attention) slows by exactly the fraction; memory does not move.
    CHECK(step_time(a, plan, c).compute.si() == doctest::Approx(step_time(b, plan, c).compute.si() / f));
    CHECK(step_time(a, plan, c).memory.si() == doctest::Approx(step_time(b, plan, c).memory.si()));
    // The ideal bound ignores it: it is not the ideal.
    CHECK_FALSE(sustained.is_ideal());
    CHECK(datasheet.is_ideal());
  }
}

TEST_CASE("step time: the worked example of step_time.hpp (ideal, H100 SXM, Llama-3.1-70B bf16, tp=2)") {
  Calibration ideal;
  const Scenario s = scenario("h100-sxm", "llama-3.1-70b", "bf16", ideal);
  const Plan plan = plan_with(s, 2, 1, 1);
  const StepCost c = step_cost(s, plan, StepShape::decode(1, 1152));
  const StepTime t = step_time(s, plan, c);
  // Weights and KV per chip over 3.35 TB/s; 160 one-shot all-reduces of one token's activations.
  CHECK(t.memory.si() == doctest::Approx((c.weight_bytes + c.kv_read_bytes + c.kv_write_bytes).si() / 3.35e12));
  CHECK(c.tp_allreduces == 160);
  CHECK(c.tp_allreduce_bytes.si() == doctest::Approx(8192 * 2));
  CHECK(t.tp_communication.si() == doctest::Approx(160 * (2e-6 + 16384 / 450e9)));
  CHECK(t.total.si() == doctest::Approx(21.13e-3).epsilon(1e-3));
  CHECK(1.0 / t.total.si() == doctest::Approx(47.3).epsilon(1e-3));
}

TEST_CASE("step time: under the power cap, bytes moved take their energy out of the tensor units' budget") {
  Calibration c;
  c.name = "sustained";
  c.sustained_matmul = true;
  c.compute_efficiency = 0.9;
  c.attention_overlaps_gemm = false;
  const Scenario s = scenario("h100-pcie", "llama-3.1-8b", "fp8", c);
  REQUIRE(s.hw.static_power_W.has_value());
  REQUIRE(s.hw.tiers[0].access_energy_per_byte_J.has_value());
  const Plan plan = plan_with(s, 1, 1, 1);
  const double P = s.hw.flops_for(Precision::fp8).value * s.hw.sustained_matmul_fraction.value;
  const double budget_W = s.hw.chip_power_W.value - s.hw.static_power_W->value;  // 350 - 80 W
  const double e = s.hw.tiers[0].access_energy_per_byte_J->value;                 // 40 pJ/B
  CHECK(budget_W == doctest::Approx(270));
  // A large prefill: GEMMs with their weights, attention with its KV bytes, each phase's math at
  // the larger of the software-limited rate and the power-capped clock.
  const StepCost cost = step_cost(s, plan, StepShape::prefill(1, 8192, 0));
  const double gemm = std::max(cost.gemm_flop.si() / (P * 0.9),
                               cost.gemm_flop.si() / P + cost.weight_tier_bytes[0].si() * e / budget_W);
  const double attention = std::max(cost.attention_flop.si() / (attention_peak_flops(s) * s.hw.sustained_matmul_fraction.value * 0.9),
                                    cost.attention_flop.si() / (attention_peak_flops(s) * s.hw.sustained_matmul_fraction.value) +
                                        cost.kv_tier_bytes[0].si() * e / budget_W);
  const StepTime t = step_time(s, plan, cost);
  CHECK(t.compute.si() == doctest::Approx(gemm + attention).epsilon(1e-12));
  // Decode at batch 64: few FLOP, the weights' energy dominates the math's time; the bytes' own
  // time still bounds the phase (the cap leaves enough for the memory at full bandwidth).
  const StepCost d = step_cost(s, plan, StepShape::decode(64, 1000));
  const StepTime td = step_time(s, plan, d);
  const double weights_energy_s = d.weight_tier_bytes[0].si() * e / budget_W;
  CHECK(td.gemm.si() >= weights_energy_s);
  CHECK(td.gemm.si() == doctest::Approx(std::max(d.weight_tier_bytes[0].si() / s.hw.tiers[0].bandwidth_Bps.value,
                                                 std::max(d.gemm_flop.si() / (P * 0.9), d.gemm_flop.si() / P + weights_energy_s)))
                            .epsilon(1e-12));
  // The ideal bound and a calibration at the datasheet carry no power term.
  Calibration ideal;
  const Scenario si = scenario("h100-pcie", "llama-3.1-8b", "fp8", ideal);
  CHECK(step_time(si, plan, cost).compute.si() ==
        doctest::Approx((cost.gemm_flop.si() + cost.attention_flop.si()) / s.hw.flops_for(Precision::fp8).value).epsilon(1e-12));
}

TEST_CASE("pipelined round: the slowest group's prefill, derived from the expected maximum of normals") {
  // 3 requests of 700 +- 500 tokens per group-step: mean 2,100, sd sqrt(3 x (500^2 + 700^2)).
  const double mu = 3 * 700.0, sd = std::sqrt(3 * (500.0 * 500.0 + 700.0 * 700.0));
  // One group, or no spread: the mean (nobody to wait for).
  CHECK(pipeline_round_prefill_tokens(3, 700, 500, 1, 0) == doctest::Approx(mu));
  CHECK(pipeline_round_prefill_tokens(0, 700, 500, 4, 0) == 0.0);
  // Two groups, no cap: E[max of 2 normals] = mu + sd / sqrt(pi) (the mass below 0 is negligible here).
  CHECK(pipeline_round_prefill_tokens(3, 700, 500, 2, 0) == doctest::Approx(mu + sd / std::sqrt(M_PI)).epsilon(2e-3));
  // Four groups: mu + 1.0294 sd (the tabulated expected maximum of four standard normals).
  CHECK(pipeline_round_prefill_tokens(3, 700, 500, 4, 0) == doctest::Approx(mu + 1.02938 * sd).epsilon(2e-3));
  // A budget whose room the mean already fills leaves every group at the cap: balanced.
  CHECK(pipeline_round_prefill_tokens(3, 700, 500, 4, 1000) == doctest::Approx(mu));
  // A room between: less than uncapped, more than the mean, never above the room.
  const double capped = pipeline_round_prefill_tokens(3, 700, 500, 4, 2600);
  CHECK(capped > mu);
  CHECK(capped < 2600);
  CHECK(capped < pipeline_round_prefill_tokens(3, 700, 500, 4, 0));
}

TEST_CASE("deployment search: pipelined groups pay for their spread of prefill, a capped step does not") {
  // Llama-2-70B FP8 on 2 x H100 SXM as a TP1 x PP2 replica with two groups: whole prompts of
  // MLPerf-like spread make the round slower than prompts all alike (which still wait: the number
  // of requests a group admits per step is a Poisson draw).
  const Scenario s = scenario("h100-sxm", "llama-2-70b", "fp8", fitted_like());
  DeploymentQuery q;
  q.chips = 2;
  q.tp = 1;
  q.pp = 2;
  q.mean_input_tokens = 684;
  q.mean_output_tokens = 294;
  const DeploymentChoice even = search_deployment(s, q);
  q.input_tokens_sd = 500;
  const DeploymentChoice spread = search_deployment(s, q);
  REQUIRE(even.found);
  REQUIRE(spread.found);
  CHECK(spread.groups == 2);
  CHECK(spread.batch == even.batch);
  CHECK(spread.step_s > even.step_s * 1.02);
  // The step is the steady step at the slowest group's prefill.
  const Plan plan = plan_with(s, 1, 2, 1);
  const double b = static_cast<double>(spread.batch), per_step = b / 294;
  const double slowest = pipeline_round_prefill_tokens(per_step, 684, 500, 2, 0);
  CHECK(spread.step_s == doctest::Approx(steady_step_s(s, plan, b, q, slowest / (per_step * 684))).epsilon(1e-12));
  CHECK(even.step_s > steady_step_s(s, plan, b, q) * 1.02);
  // A step token budget that the decodes and the mean prefill already fill evens the groups out:
  // the plain steady step.
  q.step_token_budget = static_cast<long long>(b + per_step * 684 * 0.9);
  const DeploymentChoice capped = search_deployment(s, q);
  REQUIRE(capped.batch == spread.batch);
  CHECK(capped.step_s == doctest::Approx(steady_step_s(s, plan, b, q)).epsilon(1e-12));
}

TEST_CASE("deployment search: a caller's fixed pipeline depth is tried beyond the search's usual 8 stages") {
  // The frontier MoE's fewest-chips plan on H100 is 11 stages deep; a min-fit report row asks for it.
  const Scenario s = scenario("h100-sxm", "llama-2-70b", "fp8", Calibration{});
  DeploymentQuery q;
  q.chips = 20;
  q.tp = 2;
  q.pp = 10;
  const DeploymentChoice d = search_deployment(s, q);
  REQUIRE(d.found);
  CHECK(d.pp == 10);
  CHECK(d.tp == 2);
  CHECK(d.replicas == 1);
}

namespace {
// DeepSeek-R1's MLPerf lengths (about 800 in, 3,650 out) on 8 chips.
DeploymentQuery deepseek_on_8_chips() {
  DeploymentQuery q;
  q.chips = 8;
  q.mean_input_tokens = 800;
  q.mean_output_tokens = 3650;
  return q;
}
}  // namespace

TEST_CASE("attention data parallelism: ep = 8 over tp = 1 copies attention, shares the experts, splits the KV") {
  // DeepSeek-R1 FP4 on GB300: 8 attention copies (one per chip) share 256 routed experts, 32 per chip.
  const Scenario s = scenario("gb300", "deepseek-r1", "fp4", Calibration{});
  const Model& m = s.model;
  const Plan dp = plan_with(s, 1, 1, 8);
  CHECK(dp.attention_dp() == 8);
  CHECK(dp.stage_chips() == 8);
  CHECK(dp.chips == 8);
  const double routed = static_cast<double>(m.moe_layers() * m.moe->experts) * m.expert_params();
  // Memory: every chip holds all of the non-expert weights and an eighth of the experts.
  CHECK(dp.weights_bytes_per_chip.si() == doctest::Approx(((m.total_params() - routed) + routed / 8) * 0.5).epsilon(1e-12));

  // One decode step of 1,024 sequences: each copy decodes 128 of them.
  const StepShape shape = StepShape::decode(1024, 2000);
  const StepCost c = step_cost(s, dp, shape);
  const double touched = expected_unique_experts(256, 8, 1024);
  const double expected_weights =
      (m.always_streamed_params() + static_cast<double>(m.moe_layers()) * touched * m.expert_params() / 8) * 0.5;
  CHECK(c.weight_bytes.si() == doctest::Approx(expected_weights).epsilon(1e-12));
  // KV: MLA's latent is not sharded by tp, so a chip reads its own eighth of the sequences' cache.
  CHECK(c.kv_read_bytes.si() == doctest::Approx(1024.0 * 2000 * m.kv_elements_per_token() * 1.0 / 8).epsilon(1e-12));
  // FLOP: an eighth of the step's; GEMMs and bookkeeping are one copy's (128 tokens and sequences).
  const double flop = 2.0 * (m.active_params() - m.embedding_params()) * 1024 + m.attention_flop(shape.attended_tokens);
  CHECK(c.flop.si() == doctest::Approx(flop / 8).epsilon(1e-12));
  CHECK(c.tokens == doctest::Approx(128));
  CHECK(c.sequences == doctest::Approx(128));
  // No tensor-parallel all-reduce; two all-to-alls per MoE layer of 1024/8 tokens x top-8 x hidden bf16, 7/8 off the chip.
  CHECK(c.tp_allreduces == 0);
  CHECK(c.ep_all_to_alls == 2 * m.moe_layers());
  CHECK(c.ep_all_to_all_bytes_out.si() == doctest::Approx(1024.0 / 8 * 8 * m.hidden_size * 2 * 7.0 / 8).epsilon(1e-12));

  // The same 8 chips as 8 one-chip replicas of 128 sequences would each need all the experts: the
  // copies' shared experts are what lets the weights fit at all.
  CHECK(plan_with(s, 1, 1, 1).weights_bytes_per_chip.si() > s.hw.tiers[0].capacity_bytes.value);
}

TEST_CASE("attention data parallelism: degrees are checked, and the deployment search uses it for wide MoE") {
  const Scenario s = scenario("gb300", "deepseek-r1", "fp4", Calibration{});
  Scenario bad = s;
  bad.tp = 2;
  bad.ep = 3;
  CHECK_THROWS_WITH_AS(make_plan(bad), doctest::Contains("a multiple of it"), InputError);
  Scenario ok = s;
  ok.chips = 8;
  ok.tp = 1;
  ok.ep = 8;
  const Plan p = make_plan(ok);
  CHECK(p.chips == 8);
  CHECK(p.attention_dp() == 8);
  ok.chips = 4;  // 1 x 1 x 8 chips are not 4
  CHECK_THROWS_WITH_AS(make_plan(ok), doctest::Contains("--ep/--tp"), InputError);

  const DeploymentChoice d = search_deployment(s, deepseek_on_8_chips());
  REQUIRE(d.found);
  CHECK(d.ep > d.tp);
  CHECK(d.replica_chips() * d.replicas == 8);
  CHECK(d.explanation.find("attention data-parallel copies") != std::string::npos);
}

TEST_CASE("attention data parallelism: a stack without it keeps MoE replicas tensor- or expert-parallel") {
  Calibration c;
  c.attention_data_parallel = false;  // e.g. the 2024 TensorRT-LLM generation (calibration.hpp)
  const Scenario s = scenario("gb300", "deepseek-r1", "fp4", c);
  const DeploymentChoice d = search_deployment(s, deepseek_on_8_chips());
  REQUIRE(d.found);
  CHECK(d.ep <= d.tp);
  for (const DeploymentChoice& r : d.ranked) CHECK(r.attention_dp() == 1);
}
