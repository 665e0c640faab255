// Contract: the paged KV cache of one replica.
//
// The cache is a pool of fixed-size blocks (vLLM's PagedAttention: `block_tokens` tokens each, 16 by
// default). A sequence holding T tokens holds ceil(T / block_tokens) blocks; blocks are whole, so
// the only waste is the tail of each sequence's last block. grow() either covers the new size or
// changes nothing (admission control and preemption decide what to do when it fails); release()
// returns exactly the blocks a sequence held. No block identities are tracked: the simulator needs
// how many are free, not which (O(1) per call).
//
// Capacity (kv_capacity): per chip, the memory the runtime may use (usable fraction of every tier)
// minus the weights the Plan put on it, divided by the KV bytes one token costs on that chip
// (kv_elements_per_token * KV bytes * layers_per_stage / layers / kv_shards). All chips of a
// replica hold the same share, so blocks per chip = blocks per replica.
// Worked example: Llama-2-70B bf16 on 4 x H100 (tp 4): usable 80 GB * 0.9 (descriptor) - 34.5 GB
// weights per chip; KV per token per chip = 2*80*8*128*2 B / 4 = 81,920 B; / 16 tokens per block.
#pragma once

#include "scenario/scenario.hpp"

namespace infersim {

struct KvCapacity {
  double bytes_per_token_per_chip = 0;
  double free_bytes_per_chip = 0;  // after weights
  long long block_tokens = 16;
  long long blocks = 0;
};

KvCapacity kv_capacity(const Scenario& s, const Plan& plan, long long block_tokens);
// KV bytes one token adds across the whole model (all layers, unsharded) at the scenario's precision.
double kv_bytes_per_token(const Scenario& s);

class KvCache {
 public:
  KvCache(long long total_blocks, long long block_tokens);
  long long block_tokens() const { return block_tokens_; }
  long long total_blocks() const { return total_; }
  long long used_blocks() const { return used_; }
  long long free_blocks() const { return total_ - used_; }
  double occupancy() const { return total_ > 0 ? static_cast<double>(used_) / static_cast<double>(total_) : 0.0; }
  long long blocks_for(long long tokens) const { return (tokens + block_tokens_ - 1) / block_tokens_; }
  // Whether a sequence holding `held` blocks can grow to `tokens` tokens now.
  bool can_grow(long long held, long long tokens) const { return blocks_for(tokens) - held <= free_blocks(); }
  // Grows `held` to cover `tokens`; false (and nothing changes) when the free blocks do not suffice.
  bool grow(long long& held, long long tokens);
  // Returns all of a sequence's blocks; `held` becomes 0. Returns how many were freed.
  long long release(long long& held);

 private:
  long long total_;
  long long block_tokens_;
  long long used_ = 0;
};

}  // namespace infersim
