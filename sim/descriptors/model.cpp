#include "descriptors/model.hpp"

#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"

namespace infersim {

namespace {
constexpr int kGatedMlpMatrices = 3;  // SwiGLU: gate, up, down

// Documented caps (models/README.md): far above any real model, low enough that every loop over a
// dimension (the plan search walks pp = 1..layers x the divisors of the head count) stays bounded
// and every product stays finite. A value above its cap is bad input, not a hang.
constexpr long long kMaxLayers = 10'000;
constexpr long long kMaxHeads = 10'000;
constexpr long long kMaxWidth = 100'000'000;          // hidden, ffn, head and latent sizes, vocabulary
constexpr long long kMaxContextTokens = 100'000'000;  // as the scenario's --prompt-tokens cap
constexpr long long kMaxExperts = 100'000;

long long capped(ObjectReader& r, const std::string& key, long long value, long long cap) {
  if (value > cap) r.fail(key, "at most " + std::to_string(cap) + " (a documented cap), found " + std::to_string(value));
  return value;
}
}  // namespace

const char* to_string(AttentionKind k) {
  switch (k) {
    case AttentionKind::mha: return "mha";
    case AttentionKind::gqa: return "gqa";
    case AttentionKind::mqa: return "mqa";
    case AttentionKind::mla: return "mla";
  }
  return "?";
}

double Model::attention_params_per_layer() const {
  const double h = static_cast<double>(hidden_size);
  if (attention == AttentionKind::mla) {
    const double qk_head = static_cast<double>(mla.qk_nope_head_dim + mla.qk_rope_head_dim);
    const double heads = static_cast<double>(attention_heads);
    double q = mla.q_lora_rank > 0
                   ? h * mla.q_lora_rank + mla.q_lora_rank + mla.q_lora_rank * heads * qk_head
                   : h * heads * qk_head;
    double kv_down = h * static_cast<double>(mla.kv_lora_rank + mla.qk_rope_head_dim) + mla.kv_lora_rank;
    double kv_up = mla.kv_lora_rank * heads * static_cast<double>(mla.qk_nope_head_dim + mla.v_head_dim);
    double out = heads * mla.v_head_dim * h;
    return q + kv_down + kv_up + out;
  }
  const double q_and_o = 2.0 * h * attention_heads * head_dim;
  const double k_and_v = 2.0 * h * kv_heads * head_dim;
  return q_and_o + k_and_v;
}

double Model::dense_mlp_params_per_layer() const {
  return kGatedMlpMatrices * static_cast<double>(hidden_size) * ffn_size;
}

double Model::expert_params() const {
  return moe ? kGatedMlpMatrices * static_cast<double>(hidden_size) * moe->expert_ffn_size : 0.0;
}

double Model::embedding_params() const { return static_cast<double>(vocab_size) * hidden_size; }
double Model::lm_head_params() const { return tied_embeddings ? 0.0 : embedding_params(); }
double Model::norm_params() const { return (2.0 * layers + 1.0) * hidden_size; }
double Model::router_params() const {
  return moe ? static_cast<double>(moe_layers()) * hidden_size * moe->experts : 0.0;
}

double Model::always_streamed_params() const {
  double p = layers * attention_params_per_layer() + dense_mlp_layers() * dense_mlp_params_per_layer() +
             lm_head_params() + norm_params() + router_params();
  if (moe) p += static_cast<double>(moe_layers()) * moe->shared_experts * expert_params();
  return p;
}

double Model::total_params() const {
  double p = always_streamed_params() + embedding_params();
  if (moe) p += static_cast<double>(moe_layers()) * moe->experts * expert_params();
  return p;
}

double Model::active_params() const {
  double p = always_streamed_params() + embedding_params();
  if (moe) p += static_cast<double>(moe_layers()) * moe->top_k * expert_params();
  return p;
}

double Model::kv_elements_per_token() const {
  if (attention == AttentionKind::mla)
    return static_cast<double>(layers) * (mla.kv_lora_rank + mla.qk_rope_head_dim);
  return 2.0 * layers * kv_heads * head_dim;
}

double Model::attention_flop(double attended_tokens) const {
  // Two matrix-vector products per head per layer (scores, then the weighted sum), 2 FLOP per MAC.
  // MLA is counted in its absorbed form, where both run over the latent (plus the rope key).
  const double heads = static_cast<double>(attention_heads);
  double per_layer;
  if (attention == AttentionKind::mla) {
    per_layer = 2.0 * heads * (mla.kv_lora_rank + mla.qk_rope_head_dim) * attended_tokens +
                2.0 * heads * mla.kv_lora_rank * attended_tokens;
  } else {
    per_layer = 4.0 * heads * head_dim * attended_tokens;
  }
  return per_layer * layers;
}

Model load_model_file(const std::string& path) {
  nlohmann::json doc = read_json_file(path);
  ObjectReader r(doc, path, "");
  r.require_enum("schema", {"infersim-model/1"});
  Model m;
  m.file = path;
  m.id = r.require_string("id");
  m.name = r.require_string("name");
  m.hypothetical = r.bool_or("hypothetical", false);

  ObjectReader a = r.object("architecture");
  m.architecture_provenance = a.require_provenance("provenance");
  m.layers = capped(a, "layers", a.require_int("layers"), kMaxLayers);
  m.hidden_size = capped(a, "hidden_size", a.require_int("hidden_size"), kMaxWidth);
  m.attention_heads = capped(a, "attention_heads", a.require_int("attention_heads"), kMaxHeads);
  m.vocab_size = capped(a, "vocab_size", a.require_int("vocab_size"), kMaxWidth);
  m.tied_embeddings = a.bool_or("tied_embeddings", false);
  m.max_context_tokens =
      capped(a, "max_context_tokens", a.require_int("max_context_tokens"), kMaxContextTokens);
  std::string kind = a.require_enum("attention", {"mha", "gqa", "mqa", "mla"});
  m.ffn_size = capped(a, "ffn_size", a.int_or("ffn_size", 0, 1), kMaxWidth);
  if (kind == "mla") {
    m.attention = AttentionKind::mla;
    ObjectReader mla = a.object("mla");
    m.mla.q_lora_rank = capped(mla, "q_lora_rank", mla.int_or("q_lora_rank", 0, 0), kMaxWidth);
    m.mla.kv_lora_rank = capped(mla, "kv_lora_rank", mla.require_int("kv_lora_rank"), kMaxWidth);
    m.mla.qk_nope_head_dim = capped(mla, "qk_nope_head_dim", mla.require_int("qk_nope_head_dim"), kMaxWidth);
    m.mla.qk_rope_head_dim = capped(mla, "qk_rope_head_dim", mla.require_int("qk_rope_head_dim"), kMaxWidth);
    m.mla.v_head_dim = capped(mla, "v_head_dim", mla.require_int("v_head_dim"), kMaxWidth);
    mla.finish();
    m.kv_heads = m.attention_heads;
    m.head_dim = m.mla.qk_nope_head_dim + m.mla.qk_rope_head_dim;
  } else {
    m.head_dim = capped(a, "head_dim", a.require_int("head_dim"), kMaxWidth);
    m.kv_heads = a.require_int("kv_heads");
    m.attention = kind == "mha" ? AttentionKind::mha : kind == "mqa" ? AttentionKind::mqa : AttentionKind::gqa;
    if (m.kv_heads > m.attention_heads) a.fail("kv_heads", "kv_heads must not exceed attention_heads");
    if (m.attention_heads % m.kv_heads != 0)
      a.fail("kv_heads", "attention_heads must be a multiple of kv_heads");
    if (m.attention == AttentionKind::mha && m.kv_heads != m.attention_heads)
      a.fail("kv_heads", "attention 'mha' needs kv_heads == attention_heads; use 'gqa' otherwise");
    if (m.attention == AttentionKind::mqa && m.kv_heads != 1)
      a.fail("kv_heads", "attention 'mqa' needs kv_heads == 1; use 'gqa' otherwise");
  }
  if (auto moe = a.optional_object("moe")) {
    MoeShape s;
    s.experts = capped(*moe, "experts", moe->require_int("experts", 2), kMaxExperts);
    s.top_k = moe->require_int("top_k");
    s.expert_ffn_size = capped(*moe, "expert_ffn_size", moe->require_int("expert_ffn_size"), kMaxWidth);
    s.shared_experts = capped(*moe, "shared_experts", moe->int_or("shared_experts", 0, 0), kMaxExperts);
    s.dense_layers = moe->int_or("dense_layers", 0, 0);
    if (s.top_k > s.experts) moe->fail("top_k", "top_k must not exceed experts");
    if (s.dense_layers >= m.layers) moe->fail("dense_layers", "dense_layers must be below layers");
    moe->finish();
    m.moe = s;
  }
  if (m.ffn_size == 0 && m.dense_mlp_layers() > 0)
    a.fail("ffn_size", "missing required field 'ffn_size' (the model has dense MLP layers)");
  a.finish();

  if (auto pub = r.optional_object("published")) {
    m.published_total_params = pub->optional_quantity("total_params");
    m.published_active_params = pub->optional_quantity("active_params");
    pub->finish();
  }
  r.finish();
  return m;
}

}  // namespace infersim
