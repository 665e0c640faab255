// Unit tests: parameter counts and KV bytes derived from the architecture, against hand-derived
// values and the published counts.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>

#include "descriptors/catalog.hpp"

using namespace infersim;

TEST_CASE("Llama-3.1-70B: the worked example of model.hpp, digit for digit") {
  Model m = load_model("llama-3.1-70b");
  // attention 8192*64*128*2 + 8192*8*128*2; MLP 3*8192*28672; norms 2*8192; per layer:
  const double per_layer = 150994944.0 + 704643072.0 + 16384.0;
  const double embeddings_and_head = 2.0 * 128256.0 * 8192.0;
  CHECK(m.attention_params_per_layer() == 150994944.0);
  CHECK(m.dense_mlp_params_per_layer() == 704643072.0);
  CHECK(m.total_params() == 80.0 * per_layer + embeddings_and_head + 8192.0);
  CHECK(m.total_params() == 70553706496.0);
  CHECK(m.kv_elements_per_token() * 2.0 == 327680.0);  // 2 * 80 * 8 * 128 * 2 bytes
}

TEST_CASE("DeepSeek-V3: MLA attention and expert counts by hand") {
  Model m = load_model("deepseek-v3");
  // q: 7168*1536 + 1536 + 1536*128*(128+64); kv down: 7168*(512+64) + 512; kv up: 512*128*(128+128);
  // out: 128*128*7168.
  const double q = 7168.0 * 1536 + 1536 + 1536.0 * 128 * 192;
  const double kv = 7168.0 * 576 + 512 + 512.0 * 128 * 256;
  const double out = 128.0 * 128 * 7168;
  CHECK(m.attention_params_per_layer() == q + kv + out);
  CHECK(m.attention_params_per_layer() == doctest::Approx(0.187e9).epsilon(0.001));  // reference: 0.187 B
  CHECK(m.expert_params() == 3.0 * 7168 * 2048);
  CHECK(m.moe_layers() == 58);
  // KV cache: 512-d latent + 64-d rope key per layer = 576 elements, 61 layers, 2 bytes.
  CHECK(m.kv_elements_per_token() * 2.0 == 61.0 * 576 * 2);
}

TEST_CASE("derived totals match the published counts within 2 %") {
  for (const auto& id : bundled_ids("models")) {
    Model m = load_model(id);
    if (m.published_total_params) {
      double dev = m.total_params() / m.published_total_params->value - 1.0;
      std::printf("  %-16s total  derived %9.3f B  published %9.3f B  %+6.2f %%\n", id.c_str(),
                  m.total_params() / 1e9, m.published_total_params->value / 1e9, dev * 100);
      CHECK_MESSAGE(std::fabs(dev) <= 0.02, id);
    }
    if (m.published_active_params) {
      double dev = m.active_params() / m.published_active_params->value - 1.0;
      std::printf("  %-16s active derived %9.3f B  published %9.3f B  %+6.2f %%\n", id.c_str(),
                  m.active_params() / 1e9, m.published_active_params->value / 1e9, dev * 100);
      if (id == "deepseek-v3") {
        // A known gap, reported rather than hidden: counting every tensor of the config gives 37.55 B
        // active, 2.3 % above the 36.7 B of DeepSeek's README_WEIGHTS.md (which does not itemise it).
        // The test pins the gap so that a change in either number is noticed.
        CHECK(dev == doctest::Approx(0.0232).epsilon(0.02));
      } else {
        CHECK_MESSAGE(std::fabs(dev) <= 0.02, id);
      }
    }
  }
}

TEST_CASE("the hypothetical frontier MoE lands inside the paper's ranges") {
  Model m = load_model("frontier-moe");
  CHECK(m.hypothetical);
  CHECK(m.total_params() >= m.published_total_params->low);
  CHECK(m.total_params() <= m.published_total_params->high);
  CHECK(m.active_params() >= m.published_active_params->low);
  CHECK(m.active_params() <= m.published_active_params->high);
}

TEST_CASE("KV bytes per token: GQA shares heads, MLA stores a latent") {
  Model llama = load_model("llama-3.1-8b");
  CHECK(llama.kv_elements_per_token() == 2.0 * 32 * 8 * 128);
  Model mixtral = load_model("mixtral-8x7b");
  CHECK(mixtral.kv_elements_per_token() == 2.0 * 32 * 8 * 128);
  // MLA: 70,272 bytes/token at bf16 against 2 * 61 * 128 * 128 * 2 = 3,997,696 for the same model
  // with plain multi-head attention: the 57x reduction registry B2 credits MLA with.
  Model ds = load_model("deepseek-v3");
  CHECK(ds.kv_elements_per_token() * 2 == 70272.0);
  CHECK(2.0 * 61 * 128 * 128 * 2 / (ds.kv_elements_per_token() * 2) == doctest::Approx(56.89).epsilon(0.001));
}
