// Contract: a model's architecture, as read from models/<id>.json (schema "infersim-model/1",
// documented in models/README.md), and the counts derived from it.
//
// Architecture fields come from the public config.json; one provenance object covers the whole
// architecture block. Parameter counts and KV-cache bytes per token are *derived* here from those
// fields, never typed in; the published counts are kept beside them so tests can compare.
//
// Worked example (Llama-3.1-70B: 80 layers, hidden 8192, 64 heads, 8 KV heads, head_dim 128,
// FFN 28672, vocab 128256, untied):
//   attention per layer = 8192*64*128*2 (q, o) + 8192*8*128*2 (k, v) = 150,994,944
//   MLP per layer       = 3 * 8192 * 28672                            = 704,643,072
//   norms per layer     = 2 * 8192                                    = 16,384
//   embeddings + head   = 2 * 128256 * 8192                           = 2,101,346,304
//   total = 80 * 855,654,400 + 2,101,346,304 + 8192 (final norm)      = 70,553,706,496 (70.55 B)
//   KV bytes per token at bf16 = 2 (K,V) * 80 * 8 * 128 * 2 bytes     = 327,680 B
#pragma once

#include <optional>
#include <string>

#include "descriptors/provenance.hpp"

namespace infersim {

enum class AttentionKind { mha, gqa, mqa, mla };
const char* to_string(AttentionKind k);

struct MlaShape {
  long long q_lora_rank = 0;  // 0: queries projected directly from the hidden state
  long long kv_lora_rank = 0;
  long long qk_nope_head_dim = 0;
  long long qk_rope_head_dim = 0;
  long long v_head_dim = 0;
};

struct MoeShape {
  long long experts = 0;         // routed experts per MoE layer
  long long top_k = 0;           // routed experts per token
  long long expert_ffn_size = 0; // intermediate size of one expert
  long long shared_experts = 0;  // always-active experts of the same size
  long long dense_layers = 0;    // leading layers with a dense MLP instead (DeepSeek's first_k_dense)
};

struct Model {
  std::string id;
  std::string name;
  std::string file;
  bool hypothetical = false;  // architecture assumed, not published (the paper's frontier-class MoE)
  Provenance architecture_provenance;

  long long layers = 0;
  long long hidden_size = 0;
  long long attention_heads = 0;
  long long kv_heads = 0;
  long long head_dim = 0;
  long long ffn_size = 0;  // dense MLP intermediate size
  long long vocab_size = 0;
  bool tied_embeddings = false;
  long long max_context_tokens = 0;
  AttentionKind attention = AttentionKind::gqa;
  MlaShape mla;
  std::optional<MoeShape> moe;

  std::optional<Sourced> published_total_params;
  std::optional<Sourced> published_active_params;

  // --- Derived (counts of parameters; multiply by bytes per element for bytes) ---
  double attention_params_per_layer() const;
  double dense_mlp_params_per_layer() const;
  double expert_params() const;  // one routed expert, all three projections
  long long moe_layers() const { return moe ? layers - moe->dense_layers : 0; }
  long long dense_mlp_layers() const { return moe ? moe->dense_layers : layers; }
  double embedding_params() const;  // input embedding table
  double lm_head_params() const;    // 0 when tied
  double norm_params() const;
  double router_params() const;
  double total_params() const;
  double active_params() const;  // per token: everything but the routed experts not chosen
  // Parameters every decode step streams regardless of routing: all but the input embedding (a
  // row lookup) and the routed experts.
  double always_streamed_params() const;
  // Elements of KV cache one token adds across all layers (K and V, or MLA's latent + rope key).
  double kv_elements_per_token() const;
  // Attention FLOP, all layers, for `attended_tokens` (query, key) pairs: one new token attending to
  // L cached tokens contributes L. Linear, so a step passes the sum over its new tokens.
  double attention_flop(double attended_tokens) const;
};

Model load_model_file(const std::string& path);

}  // namespace infersim
