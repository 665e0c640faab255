// Disaggregated serving on the DES: two pools in two actors, the KV cache moved as real transfers on
// the platform. The bytes moved are a property of the prompts, so both engines must agree on them
// exactly; the transfer time is the platform's (2 NVSwitch hops), close to the closed form's.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "helpers.hpp"

using infersim::test::run_infersim;

TEST_CASE("disaggregated serving on the DES: every request finishes, the KV moved equals the analytic run's") {
  const std::string args =
      "serve --hw h100-sxm --model llama-3.1-8b --workload chat --requests 150 --rate 10 --scheduler disaggregated "
      "--json";
  const auto des = run_infersim(args + " --engine des");
  const auto analytic = run_infersim(args);
  REQUIRE(des.exit_code == 0);
  REQUIRE(analytic.exit_code == 0);
  const auto d = nlohmann::json::parse(des.out);
  const auto a = nlohmann::json::parse(analytic.out);
  CHECK(d["runtime"] == "des");
  CHECK(d["requests_finished"].get<long long>() == 150);
  CHECK(d["chips"].get<long long>() == 2);
  // Same seed, same prompts: the same bytes cross between the pools, to the byte.
  CHECK(d["kv_transfer_bytes"].get<double>() == a["kv_transfer_bytes"].get<double>());
  const double t_des = d["kv_transfer_mean_s"].get<double>();
  const double t_cf = a["kv_transfer_mean_s"].get<double>();
  std::printf("KV hand-off: %.4g B moved; mean transfer DES %.4g s, closed form %.4g s (%+.2f %%)\n",
              d["kv_transfer_bytes"].get<double>(), t_des, t_cf, (t_des / t_cf - 1) * 100);
  CHECK(t_des > 0);
  // Through the NVSwitch star one transfer is 2 link latencies + bytes / 450 GB/s, as in the closed
  // form; on the DES the hand-offs of requests finishing in the same step stream out together and
  // share the two chips' ports, so their mean is somewhat longer: within 25 %, and never shorter.
  CHECK(t_des == doctest::Approx(t_cf).epsilon(0.25));
  CHECK(t_des >= t_cf * 0.999);
}

TEST_CASE("disaggregated serving on the DES: hand-offs of one prefill step share the ports, max-min fair") {
  // 16 prompts of 512 tokens at t = 0; the prefill pool's chunked prefill (2,048 tokens a step)
  // takes 4 whole prompts a step, so every step hands 4 KV caches off at once, and a prefill step
  // (milliseconds) outlasts a hand-off (a fraction of one): groups never overlap.
  namespace fs = std::filesystem;
  const fs::path wl = fs::temp_directory_path() / ("infersim-handoff-" + std::to_string(::getpid()) + ".json");
  std::ofstream(wl) << R"({"schema": "infersim-workload/1", "id": "handoff", "description": "fixed lengths",
    "source": "test", "arrival": {"process": "all_at_once"},
    "prompt_tokens": {"distribution": "fixed", "tokens": 512},
    "output_tokens": {"distribution": "fixed", "tokens": 16}, "requests": 16})";
  const std::string args = "serve --hw h100-sxm --model llama-3.1-8b --scheduler disaggregated --token-budget 2048 "
                           "--json --workload " + wl.string();
  const auto des = run_infersim(args + " --engine des");
  const auto analytic = run_infersim(args);
  fs::remove(wl);
  REQUIRE(des.exit_code == 0);
  REQUIRE(analytic.exit_code == 0);
  const auto d = nlohmann::json::parse(des.out);
  const auto a = nlohmann::json::parse(analytic.out);
  REQUIRE(d["kv_transfers"].get<long long>() == 16);
  // By hand: Llama-3.1-8B caches K and V of 8 KV heads x 128 dims in BF16 over 32 layers, 131,072 B a
  // token, all on the pool's one chip; 512 tokens are 64 MiB. An NVSwitch port is 450 GB/s and
  // 1 us each way; the route from the prefill chip to the decode chip crosses two ports.
  const double bytes = 32.0 * 8 * 128 * 2 * 2 * 512;
  REQUIRE(d["kv"]["bytes_per_token_per_chip"].get<double>() * 512 == doctest::Approx(bytes).epsilon(1e-12));
  const double B = 450e9, L = 2 * 1e-6, D = bytes / B;
  // The closed form charges each hand-off alone; on the DES four flows share both ports, each at B/4,
  // and end together.
  CHECK(a["kv_transfer_s"]["mean"].get<double>() == doctest::Approx(L + D).epsilon(1e-9));
  CHECK(d["kv_transfer_s"]["mean"].get<double>() == doctest::Approx(L + 4 * D).epsilon(1e-6));
  CHECK(d["kv_transfer_s"]["max"].get<double>() == doctest::Approx(L + 4 * D).epsilon(1e-6));
}
