// Unit tests: the shared cost model and the closed form, each against a value derived by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>

#include "analytic/projection.hpp"
#include "costmodel/collectives.hpp"
#include "costmodel/step_cost.hpp"
#include "descriptors/catalog.hpp"
#include "descriptors/input_error.hpp"

using namespace infersim;

namespace {
Scenario scenario(const std::string& hw, const std::string& model, long long batch, long long prompt, long long output,
                  const std::string& weights = "bf16") {
  ScenarioOptions o;
  o.hw = hw;
  o.model = model;
  o.batch = batch;
  o.prompt_tokens = prompt;
  o.output_tokens = output;
  o.weights = weights;
  o.kv = "bf16";
  return resolve_scenario(o);
}
}  // namespace

TEST_CASE("expected distinct experts: E(1-(1-k/E)^T)") {
  // Two tokens each choosing 1 of 4 experts: 1 distinct with probability 1/4, 2 with 3/4.
  CHECK(expected_unique_experts(4, 1, 2) == doctest::Approx(1.75).epsilon(1e-12));
  CHECK(expected_unique_experts(8, 2, 1) == doctest::Approx(2.0).epsilon(1e-12));
  // Mixtral at batch 64 touches nearly all 8 experts, not top-2.
  CHECK(expected_unique_experts(8, 2, 64) == doctest::Approx(8.0 * (1.0 - std::pow(0.75, 64))).epsilon(1e-12));
  CHECK(expected_unique_experts(256, 8, 0) == 0.0);
}

TEST_CASE("ring all-reduce: the worked example of collectives.hpp") {
  Hardware h100 = load_hardware("h100-sxm");
  // 8 chips, 2 MiB, through a switch (2 link traversals per ring step), 450 GB/s, 1 us:
  // 2*7 * (2e-6 + 2097152/8/450e9)
  const double expected = 14.0 * (2e-6 + 2097152.0 / 8.0 / 450e9);
  CHECK(ring_allreduce_time(8, Bytes(2097152), h100.scale_up).si() == doctest::Approx(expected).epsilon(1e-12));
  CHECK(ring_allreduce_time(1, Bytes(2097152), h100.scale_up).si() == 0.0);
}

TEST_CASE("two-shot all-reduce: the worked example of collectives.hpp, and which fabrics use it") {
  Hardware h100 = load_hardware("h100-sxm");
  // Reduce-scatter then all-gather through the switch: 2 * (2e-6 + (7/8) * 2097152 / 450e9).
  const double expected = 2.0 * (2e-6 + 7.0 / 8.0 * 2097152.0 / 450e9);
  CHECK(two_shot_allreduce_time(8, Bytes(2097152), h100.scale_up).si() == doctest::Approx(expected).epsilon(1e-12));
  CHECK(allreduce_time(8, Bytes(2097152), h100.scale_up).si() == doctest::Approx(expected).epsilon(1e-12));
  // Same bytes per port as the ring, 2 latencies instead of 2(n-1): never slower on a switch.
  CHECK(two_shot_allreduce_time(8, Bytes(2097152), h100.scale_up).si() < ring_allreduce_time(8, Bytes(2097152), h100.scale_up).si());
  CHECK(two_shot_allreduce_time(2, Bytes(4096), h100.scale_up).si() ==
        doctest::Approx(ring_allreduce_time(2, Bytes(4096), h100.scale_up).si()).epsilon(1e-12));
  // Neighbour-only fabrics keep the ring.
  CHECK(two_shot_allreduce(Topology::switched));
  CHECK(two_shot_allreduce(Topology::fat_tree));
  CHECK_FALSE(two_shot_allreduce(Topology::dragonfly));
  CHECK_FALSE(two_shot_allreduce(Topology::ring));
  CHECK_FALSE(two_shot_allreduce(Topology::wafer));
  CHECK_FALSE(two_shot_allreduce(Topology::torus2d));
}

TEST_CASE("one-shot all-reduce: the worked example of collectives.hpp, and where it is chosen") {
  Hardware h100 = load_hardware("h100-sxm");
  // 8 chips, 16 KiB (one decode token of an 8192-wide model): one step through the switch,
  // 7 copies of the whole vector out of each port: 2e-6 + 7 * 16384 / 450e9.
  const double one = 2e-6 + 7.0 * 16384.0 / 450e9;
  CHECK(one_shot_allreduce_time(8, Bytes(16384), h100.scale_up).si() == doctest::Approx(one).epsilon(1e-12));
  CHECK(one == doctest::Approx(2.2549e-6).epsilon(1e-4));
  const double two = 2.0 * (2e-6 + 7.0 / 8.0 * 16384.0 / 450e9);
  CHECK(two == doctest::Approx(4.0637e-6).epsilon(1e-4));
  CHECK(allreduce_algorithm(8, Bytes(16384), h100.scale_up) == AllReduceAlgorithm::one_shot);
  CHECK(allreduce_time(8, Bytes(16384), h100.scale_up).si() == doctest::Approx(one).epsilon(1e-12));
  // Large messages: n-1 copies cost more than a second latency; two-shot again.
  CHECK(allreduce_algorithm(8, Bytes(2097152), h100.scale_up) == AllReduceAlgorithm::two_shot);
  // The crossover: one-shot wins while (n-1) S / bw - 2 (n-1)/n S / bw < hops * latency.
  const double crossover = 2e-6 / ((7.0 - 2.0 * 7.0 / 8.0) / 450e9);
  CHECK(allreduce_algorithm(8, Bytes(crossover * 0.99), h100.scale_up) == AllReduceAlgorithm::one_shot);
  CHECK(allreduce_algorithm(8, Bytes(crossover * 1.01), h100.scale_up) == AllReduceAlgorithm::two_shot);
  // Afforded where every peer is equally near; neighbour-only fabrics keep the ring.
  CHECK(one_shot_allreduce(Topology::switched));
  CHECK(one_shot_allreduce(Topology::fat_tree));
  CHECK(one_shot_allreduce(Topology::dragonfly));
  CHECK_FALSE(one_shot_allreduce(Topology::ring));
  CHECK_FALSE(one_shot_allreduce(Topology::wafer));
  CHECK_FALSE(one_shot_allreduce(Topology::torus2d));
  CHECK_FALSE(one_shot_allreduce(Topology::mesh2d));
  NetworkLevel wafer = h100.scale_up;
  wafer.topology = Topology::wafer;
  CHECK(allreduce_algorithm(8, Bytes(16384), wafer) == AllReduceAlgorithm::ring);
}

TEST_CASE("single-chip decode of Llama-3.1-8B on H100 is the memory roofline, derived by hand") {
  Scenario s = scenario("h100-sxm", "llama-3.1-8b", 1, 1000, 2);
  Plan plan = make_plan(s);
  REQUIRE(plan.fits);
  CHECK(plan.chips == 1);
  Projection p = project(s, plan);
  // Streamed weights: total 8,030,261,248 minus the 525,336,576-entry input embedding, bf16.
  const double weight_bytes = (8030261248.0 - 525336576.0) * 2.0;
  // Mean decode context: 1000 + 2/2 = 1001 tokens of 131,072 bytes read, one token written.
  const double kv_bytes = 1001.0 * 131072.0 + 131072.0;
  const double step = (weight_bytes + kv_bytes) / 3.35e12;
  std::printf("  llama-3.1-8b on h100: derived step %.9e s, engine %.9e s\n", step, p.decode.total.si());
  CHECK(p.decode.bound == "memory");
  CHECK(p.decode.total.si() == doctest::Approx(step).epsilon(1e-12));
  CHECK(p.decode_tok_s_per_stream == doctest::Approx(1.0 / step).epsilon(1e-12));
  CHECK(p.decode_tok_s_per_chip == doctest::Approx(1.0 / step).epsilon(1e-12));
  // Energy: 1275 W of system power for one step, one token.
  CHECK(p.energy_J_per_token == doctest::Approx(1275.0 * step).epsilon(1e-12));
  // CapEx: $30,000 over 3 years at 70 % utilization.
  const double served_s = 3.0 * 365 * 86400 * 0.7;
  CHECK(p.usd_per_mtok_capex == doctest::Approx(30000.0 / (served_s / step) * 1e6).epsilon(1e-12));
  // Agent density (Appendix C): (1e6 / C) * (t / r) * u with t the deployment's tok/s.
  CHECK(p.agent_density_per_musd == doctest::Approx(1e6 / 30000.0 * (1.0 / step / 5.0) * 0.7).epsilon(1e-12));
}

TEST_CASE("batching amortises the weights: deployment tok/s grows, per-stream falls") {
  Scenario one = scenario("h100-sxm", "llama-3.1-8b", 1, 512, 128);
  Scenario many = scenario("h100-sxm", "llama-3.1-8b", 32, 512, 128);
  Projection a = project(one, make_plan(one));
  Projection b = project(many, make_plan(many));
  CHECK(b.decode_tok_s_deployment > 20 * a.decode_tok_s_deployment);
  CHECK(b.decode_tok_s_per_stream < a.decode_tok_s_per_stream);
  CHECK(b.decode_tok_s_deployment == doctest::Approx(32 * b.decode_tok_s_per_stream).epsilon(1e-12));
}

TEST_CASE("prefill is compute-bound: TTFT = 2 * active FLOP * prompt / peak") {
  Scenario s = scenario("h100-sxm", "llama-3.1-8b", 1, 4096, 1);
  Projection p = project(s, make_plan(s));
  CHECK(p.prefill.bound == "compute");
  const double matmul = 2.0 * (8030261248.0 - 525336576.0) * 4096;
  // Causal attention: token i attends to i tokens; sum = 4096*4097/2; 4 * 32 heads * 128 * 32 layers each.
  const double attention = 4.0 * 32 * 128 * 32 * (4096.0 * 4097.0 / 2.0);
  CHECK(p.ttft_s == doctest::Approx((matmul + attention) / 989.4e12).epsilon(1e-12));
}

TEST_CASE("MoE decode reads the experts the batch touches, not top-k") {
  Scenario s = scenario("h100-sxm", "mixtral-8x7b", 64, 512, 128);
  Plan plan = make_plan(s);
  REQUIRE(plan.fits);
  Projection p = project(s, plan);
  const double unique = 8.0 * (1.0 - std::pow(0.75, 64));
  CHECK(p.moe_unique_experts_per_layer == doctest::Approx(unique).epsilon(1e-12));
  // The naive top-k estimate claims a faster step than the physics allows.
  CHECK(p.moe_topk_decode_tok_s_per_stream > p.decode_tok_s_per_stream * 1.5);
  // At batch 1 both agree: one token touches exactly top-k experts.
  Scenario single = scenario("h100-sxm", "mixtral-8x7b", 1, 512, 128);
  Projection q = project(single, make_plan(single));
  CHECK(q.moe_unique_experts_per_layer == doctest::Approx(2.0).epsilon(1e-12));
  CHECK(q.moe_topk_decode_tok_s_per_stream == doctest::Approx(q.decode_tok_s_per_stream).epsilon(1e-9));
}

TEST_CASE("the plan takes the fewest chips that hold weights and KV") {
  // 70B at bf16 (141 GB) cannot fit one 80 GB H100 (72 GB usable): 2 chips, tensor-parallel.
  Scenario s = scenario("h100-sxm", "llama-3.1-70b", 1, 1024, 256);
  Plan plan = make_plan(s);
  CHECK(plan.fits);
  CHECK(plan.chips == 2);
  CHECK(plan.tp == 2);
  Plan one = plan_with(s, 1, 1, 1);
  CHECK_FALSE(one.fits);
  CHECK(one.missing_bytes_per_chip.si() ==
        doctest::Approx(70553706496.0 * 2 + 1280.0 * 327680.0 - 80e9 * 0.9).epsilon(1e-12));
  // Cerebras: 44 GB of SRAM per wafer, 85 % usable: four wafers for 141 GB.
  Scenario c = scenario("cerebras-wse3", "llama-3.1-70b", 1, 1024, 256);
  CHECK(make_plan(c).chips == 4);
}

TEST_CASE("explicit degrees are validated with the accepted values") {
  ScenarioOptions o;
  o.model = "llama-3.1-70b";
  o.tp = 3;
  CHECK_THROWS_WITH_AS(make_plan(resolve_scenario(o)), "--tp: 3: must divide the model's 64 attention heads",
                       InputError);
  o.tp = 8;
  o.ep = 8;
  CHECK_THROWS_AS(make_plan(resolve_scenario(o)), InputError);
}

TEST_CASE("figures resting on a vendor claim say so") {
  Scenario s = scenario("etched-sohu", "llama-3.1-70b", 1, 512, 128, "fp8");
  Projection p = project(s, make_plan(s));
  CHECK(p.tags.at("decode").rests_on_vendor_claim());
  CHECK(p.tags.at("usd_per_mtok_capex").weakest() == Tag::vendor_claim);
  Scenario h = scenario("h100-sxm", "llama-3.1-8b", 1, 512, 128);
  Projection q = project(h, make_plan(h));
  CHECK_FALSE(q.tags.at("decode").rests_on_vendor_claim());
  CHECK(q.tags.at("weights_bytes").weakest() == Tag::spec);
}

TEST_CASE("data parallelism multiplies the deployment, not the per-chip figures") {
  Scenario one = scenario("h100-sxm", "llama-3.1-8b", 8, 512, 128);
  Scenario three = one;
  three.dp = 3;
  Projection a = project(one, make_plan(one));
  Projection b = project(three, make_plan(three));
  CHECK(b.decode_tok_s_deployment == doctest::Approx(3 * a.decode_tok_s_deployment).epsilon(1e-12));
  CHECK(b.decode_tok_s_per_chip == doctest::Approx(a.decode_tok_s_per_chip).epsilon(1e-12));
  CHECK(b.decode_tok_s_per_stream == doctest::Approx(a.decode_tok_s_per_stream).epsilon(1e-12));
  CHECK(b.usd_per_mtok_capex == doctest::Approx(a.usd_per_mtok_capex).epsilon(1e-12));
  CHECK(b.deployment_cost_usd == doctest::Approx(3 * a.deployment_cost_usd).epsilon(1e-12));
}
