#include "serving/kv_cache.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace infersim {

double kv_bytes_per_token(const Scenario& s) { return s.model.kv_elements_per_token() * bytes_per_element(s.kv); }

KvCapacity kv_capacity(const Scenario& s, const Plan& plan, long long block_tokens) {
  KvCapacity c;
  c.block_tokens = block_tokens;
  c.bytes_per_token_per_chip = kv_bytes_per_token_per_chip(s, plan);
  c.free_bytes_per_chip = std::max(0.0, plan.usable_bytes_per_chip.si() - plan.weights_bytes_per_chip.si());
  const double block_bytes = c.bytes_per_token_per_chip * static_cast<double>(block_tokens);
  c.blocks = block_bytes > 0 ? static_cast<long long>(std::floor(c.free_bytes_per_chip / block_bytes)) : 0;
  return c;
}

KvCache::KvCache(long long total_blocks, long long block_tokens) : total_(total_blocks), block_tokens_(block_tokens) {
  assert(total_blocks >= 0 && block_tokens >= 1);
}

bool KvCache::grow(long long& held, long long tokens) {
  const long long need = blocks_for(tokens) - held;
  if (need <= 0) return true;
  if (need > free_blocks()) return false;
  used_ += need;
  held += need;
  return true;
}

long long KvCache::release(long long& held) {
  const long long freed = held;
  used_ -= held;
  held = 0;
  assert(used_ >= 0);
  return freed;
}

}  // namespace infersim
