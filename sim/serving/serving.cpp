#include "serving/serving.hpp"

#include "interrupt/interrupt.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <queue>
#include <set>

#include "analytic/projection.hpp"
#include "costmodel/collectives.hpp"
#include "descriptors/input_error.hpp"
#include "format/progress.hpp"
#include "serving/scheduler.hpp"
#include "version/version.hpp"

namespace infersim {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr long long kMaxOption = 100'000'000;

void check_range(const char* option, long long v, long long lo, long long hi = kMaxOption) {
  if (v < lo || v > hi)
    throw InputError(option, std::to_string(v),
                     "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
}
}  // namespace

void validate(const ServingOptions& o) {
  find_scheduler(o.scheduler);
  check_range("--requests", o.requests, 0);
  if (!(o.rate_req_s >= 0) || !std::isfinite(o.rate_req_s))
    throw InputError("--rate", std::to_string(o.rate_req_s), "expected a rate in requests/s > 0");
  check_range("--max-batch", o.max_batch, 1);
  check_range("--max-batch-tokens", o.max_batch_tokens, 1);
  check_range("--token-budget", o.token_budget, 1);
  check_range("--block-tokens", o.block_tokens, 1, 1 << 20);
  check_range("--kv-blocks", o.kv_blocks, 0);
  check_range("--kv-window", o.kv_window, 0);
  check_range("--kv-sinks", o.kv_sinks, 0);
  check_range("--spec-k", o.spec_k, 0, 64);
  if (o.spec_k > 0 && o.token_budget < o.spec_k + 1)
    throw InputError("--token-budget", std::to_string(o.token_budget), "must be at least --spec-k + 1");
  if (!(o.spec_alpha >= 0 && o.spec_alpha < 1))
    throw InputError("--spec-alpha", std::to_string(o.spec_alpha), "expected an acceptance rate in [0, 1)");
  check_range("--series-every", o.series_every, 1);
  check_range("pipeline_groups", o.pipeline_groups, 1, 1 << 16);
}

Seconds AnalyticRuntime::run_step(const StepShape& shape) {
  const StepTime st = step_time(s_, plan_, step_cost(s_, plan_, shape));
  Seconds t = st.total;
  if (groups_ > 1 && plan_.pp > 1) {
    // The round's slowest group sets every stage's pace (ServingOptions::pipeline_groups).
    double slowest = st.stage.si();
    for (double other : recent_stage_s_) slowest = std::max(slowest, other);
    t += Seconds((slowest - st.stage.si()) * static_cast<double>(plan_.pp));
    recent_stage_s_.push_back(st.stage.si());
    if (static_cast<long long>(recent_stage_s_.size()) >= groups_) recent_stage_s_.pop_front();
  }
  now_ += t;
  return t;
}

AnalyticKvTransfer::AnalyticKvTransfer(const Scenario& s, const Plan& plan)
    : net_(network_for(s.hw, 2 * plan.chips > s.hw.scale_up.domain_chips)) {}

Seconds AnalyticKvTransfer::transfer(Bytes bytes_per_chip, Seconds ready) {
  return ready + point_to_point_time(bytes_per_chip, net_);
}

namespace {

Distribution summarise(const LogHistogram& h) {
  Distribution d;
  d.count = h.count();
  d.mean = h.mean();
  d.p50 = h.quantile(0.50);
  d.p90 = h.quantile(0.90);
  d.p99 = h.quantile(0.99);
  d.max = h.max();
  return d;
}

constexpr double kLostMargin = 1.01;  // ServingOptions::stop_once_slo_lost
constexpr long long kSteadyWindowMinRequests = 8;  // fewer: no steady window (ServingResult)

// What both pools of a deployment add to.
// Pools whose queue / running / KV time series a result carries (serving.hpp).
constexpr size_t kSeriesPools = 16;

struct Collector {
  LogHistogram ttft, tpot, itl, e2e, queue, rank_imbalance, expert_imbalance, batch_tokens;
  const Slo* slo = nullptr;
  RecordSink sink;
  long long finished = 0, slo_ok = 0, rejected = 0, truncated = 0;
  // Requests certainly past each p99 limit (each percentile is its own test), and how many of them
  // the run can afford (ServingOptions stop_once_slo_lost); lost_allowed < 0: not counting.
  long long lost_ttft = 0, lost_tpot = 0, lost_allowed = -1;
  bool slo_lost() const { return lost_allowed >= 0 && std::max(lost_ttft, lost_tpot) > lost_allowed; }
  long long output_tokens = 0, prompt_tokens = 0;
  double last_finish = 0;
  // The middle half of the completions (the q1-th to the q3-th finished request of `planned`): the
  // steady window, past the ramp of the first batch and before the drain of the last.
  long long planned = 0;
  double q1_finish = -1, q3_finish = -1;
  long long q1_tokens = 0, q3_tokens = 0;
  double kv_transfer_bytes = 0;  // whole model, all chips
  double kv_transfer_s = 0;
  long long kv_transfers = 0;
  // Per hand-off: its time (ready to arrived) and that time over the request's TTFT (the hand-off
  // follows the first token: it delays the second one, and is sized against the first).
  LogHistogram kv_transfer_time, kv_transfer_share_of_ttft;
  void kv_transfer(double seconds, double ttft_s) {
    kv_transfer_s += seconds;
    ++kv_transfers;
    kv_transfer_time.add(seconds);
    if (ttft_s > 0) kv_transfer_share_of_ttft.add(seconds / ttft_s);
  }
  Progress* progress = nullptr;  // finished and rejected requests, drawn on a terminal

  void emit(Request& r, long long n, double t) {
    if (r.first_token_s < 0) {
      r.first_token_s = t;
      ttft.add(t - r.arrival_s);
      if (lost_allowed >= 0 && slo->ttft_p99_s > 0 && t - r.arrival_s > kLostMargin * slo->ttft_p99_s) ++lost_ttft;
    } else {
      const double gap = (t - r.last_token_s) / static_cast<double>(n);
      for (long long i = 0; i < n; ++i) itl.add(gap);
      r.itl_sum_s += t - r.last_token_s;
      r.itl_max_s = std::max(r.itl_max_s, gap);
      r.itl_count += n;
    }
    r.last_token_s = t;
    r.generated += n;
    // A request's TPOT is at least (now - first token) / (output - 1) whatever is left to come: once
    // that is past the limit its failure is certain, and long outputs need not run to the end to say so.
    if (lost_allowed >= 0 && !r.tpot_lost && slo->tpot_p99_s > 0 && r.output > 1 &&
        t - r.first_token_s > kLostMargin * slo->tpot_p99_s * static_cast<double>(r.output - 1)) {
      r.tpot_lost = true;
      ++lost_tpot;
    }
  }

  void finish(const Request& r, double t) {
    RequestRecord rec;
    rec.id = r.id;
    rec.arrival_s = r.arrival_s;
    rec.scheduled_s = r.scheduled_s;
    rec.first_token_s = r.first_token_s;
    rec.finish_s = t;
    rec.prompt_tokens = r.prompt;
    rec.output_tokens = r.generated;
    rec.preemptions = r.preemptions;
    rec.itl_mean_s = r.itl_count ? r.itl_sum_s / static_cast<double>(r.itl_count) : 0.0;
    rec.itl_max_s = r.itl_max_s;
    e2e.add(rec.e2e_s());
    queue.add(rec.scheduled_s - rec.arrival_s);
    if (rec.output_tokens > 1) tpot.add(rec.tpot_s());
    if (lost_allowed >= 0 && !r.tpot_lost && slo->tpot_p99_s > 0 && rec.output_tokens > 1 &&
        rec.tpot_s() > kLostMargin * slo->tpot_p99_s)
      ++lost_tpot;
    const bool ok = (slo->ttft_p99_s <= 0 || rec.ttft_s() <= slo->ttft_p99_s) &&
                    (slo->tpot_p99_s <= 0 || rec.output_tokens <= 1 || rec.tpot_s() <= slo->tpot_p99_s);
    if (ok) ++slo_ok;
    ++finished;
    if (progress) progress->set(finished + rejected);
    output_tokens += rec.output_tokens;
    prompt_tokens += rec.prompt_tokens;
    last_finish = std::max(last_finish, t);
    if (planned >= kSteadyWindowMinRequests) {
      if (finished == planned / 4) q1_finish = t, q1_tokens = output_tokens;
      if (finished == 3 * planned / 4) q3_finish = t, q3_tokens = output_tokens;
    }
    if (sink) sink(rec);
  }
};

struct PoolStats {
  double busy_s = 0, idle_s = 0, swap_s = 0;
  long long steps = 0, tokens = 0;
  DownsampledSeries queue, running, kv;
};

class ReplicaLoop {
 public:
  enum class Role { full, prefill_only, decode_only };

  ReplicaLoop(const Scenario& s, const Plan& plan, const ServingOptions& o, ReplicaRuntime& rt, Role role,
              Collector& c, RequestSource* source, std::uint64_t seed)
      : s_(s), o_(o), rt_(rt), role_(role), c_(c), source_(source), notify_(source),
        cap_(kv_capacity(s, plan, o.block_tokens)),
        state_(o, KvCache(o.kv_blocks > 0 ? o.kv_blocks : cap_.blocks, o.block_tokens)),
        spec_rng_(Rng::stream_seed(seed, 4)) {
    const SchedulerInfo& info = find_scheduler(o.scheduler);
    if (role == Role::decode_only) scheduler_ = make_continuous_scheduler(o);
    else scheduler_ = info.make(o);
    state_.kv_bytes_per_token_chip = cap_.bytes_per_token_per_chip;
    const bool routing_matters = plan.ep > 1 || o.routing.kind != RoutingSkew::Kind::uniform;
    if (s.model.moe && (o.draw_routing || routing_matters))
      router_ = std::make_unique<Router>(s.model.moe->experts, s.model.moe->top_k, plan.ep, o.routing,
                                         Rng::stream_seed(seed, 5 + static_cast<std::uint64_t>(role)));
    // Swap tier: the next memory tier if the chip has one, else the host over the scale-out link.
    if (s.hw.tiers.size() > 1) swap_Bps_ = s.hw.tiers[1].bandwidth_Bps.value;
    else swap_Bps_ = network_for(s.hw, true).bandwidth_Bps.value;
  }

  // `after_deliver` runs once a request has been handed to the decode pool (the DES wakes its actor).
  void set_handoff(ReplicaLoop* decode, KvTransfer* transfer, std::function<void()> after_deliver = {}) {
    handoff_ = decode;
    transfer_ = transfer;
    after_deliver_ = std::move(after_deliver);
  }
  void deliver(const Request& r, double t) { inbox_.push({t, seq_++, r}); }
  // The decode pool of a disaggregated deployment gets its requests from the prefill pool only.
  void detach_source() { source_ = nullptr; }
  const KvCache& kv() const { return state_.kv; }
  const ReplicaState& state() const { return state_; }
  const PoolStats& stats() const { return stats_; }

  // Earliest time this loop can do something: now if it has work, else its next arrival.
  double next_event() const {
    if (!state_.waiting.empty() || !state_.running.empty()) return rt_.now().si();
    return next_arrival();
  }
  bool idle_forever() const { return state_.waiting.empty() && state_.running.empty() && next_arrival() == kInf; }

  // One iteration: take arrivals, schedule, run one step (or sleep to the next arrival).
  void iterate() {
    const double now = rt_.now().si();
    const long long preemptions_before = state_.preemptions;
    bool event = take_arrivals(now);
    state_.now_s = now;
    scheduler_->schedule(state_, batch_);
    event = event || state_.preemptions != preemptions_before;
    if (state_.swap_bytes_pending > 0) {
      const double dt = state_.swap_bytes_pending / swap_Bps_;
      state_.swap_bytes_pending = 0;
      rt_.sleep_until(Seconds(now + dt));
      stats_.swap_s += dt;
    }
    if (batch_.empty()) {
      const double t = next_arrival();
      if (t == kInf) {
        // Cannot happen: every admitted request fits the cache alone, and schedulers guarantee
        // progress when the batch would otherwise be empty. Fail loudly rather than spin.
        if (!state_.waiting.empty() || !state_.running.empty())
          throw std::logic_error("serving: scheduler '" + o_.scheduler + "' made no progress with " +
                                 std::to_string(state_.waiting.size()) + " waiting and " +
                                 std::to_string(state_.running.size()) + " running requests");
        return;
      }
      const double from = rt_.now().si();
      rt_.sleep_until(Seconds(t));
      stats_.idle_s += std::max(0.0, t - from);
      return;
    }
    StepShape shape;
    for (const BatchItem& b : batch_) {
      const Request& r = state_.requests[static_cast<size_t>(b.slot)];
      shape.add_sequence(static_cast<double>(b.tokens), static_cast<double>(state_.context_tokens(r)));
      event = event || !b.decode;  // a prefill chunk's boundary
    }
    if (router_) {
      RouteResult rr = router_->route_into(shape);
      c_.rank_imbalance.add(rr.rank_imbalance);
      c_.expert_imbalance.add(rr.expert_imbalance);
    }
    const double dt = rt_.run_step(shape).si();
    stats_.busy_s += dt;
    ++stats_.steps;
    stats_.tokens += static_cast<long long>(shape.new_tokens);
    c_.batch_tokens.add(shape.new_tokens);
    const double t = rt_.now().si();
    event = apply(t) || event;
    if (stats_.steps % o_.series_every == 0) {
      stats_.queue.add(t, static_cast<double>(state_.waiting.size()));
      stats_.running.add(t, static_cast<double>(state_.running.size()));
      stats_.kv.add(t, state_.kv.occupancy());
    }
    if (event) rt_.mark_event();
  }

 private:
  double next_arrival() const {
    double t = inbox_.empty() ? kInf : inbox_.top().time;
    if (source_ && source_->has_next()) t = std::min(t, source_->next_time());
    return t;
  }

  void admit_new(const Request& r) {
    const int slot = state_.new_slot();
    state_.requests[static_cast<size_t>(slot)] = r;
    state_.waiting.push_back(slot);
  }

  // True when anything arrived (an event: the next batch may differ).
  bool take_arrivals(double now) {
    bool any = false;
    while (!inbox_.empty() && inbox_.top().time <= now) {
      Request r = inbox_.top().request;
      inbox_.pop();
      admit_new(r);
      any = true;
    }
    while (source_ && source_->has_next() && source_->next_time() <= now) {
      std::optional<Request> r = accept(source_->pop());
      if (r) admit_new(*r);
      any = true;
    }
    return any;
  }

 public:
  // Turns an arrival into a request this replica can serve: a request longer than the model's
  // context is cut to it (output to at most half, then the prompt); one the cache can never hold is
  // rejected (counted, and a closed-loop user is told), as vLLM rejects it.
  std::optional<Request> accept(const Arrival& a) {
    Request r;
    r.id = a.id;
    r.user = a.user;
    r.arrival_s = a.time_s;
    r.prompt = a.prompt_tokens;
    r.output = a.output_tokens;
    const long long max_ctx = s_.model.max_context_tokens;
    if (max_ctx > 1 && r.prompt + r.output > max_ctx) {
      r.output = std::min(r.output, max_ctx / 2);
      r.prompt = std::min(r.prompt, max_ctx - r.output);
      ++c_.truncated;
    }
    r.prefill_target = r.prompt;
    if (state_.kv.blocks_for(state_.held_tokens(r.prompt + r.output)) > state_.kv.total_blocks()) {
      ++c_.rejected;
      if (c_.progress) c_.progress->set(c_.finished + c_.rejected);
      notify_->on_finish(r.user, a.time_s);
      return std::nullopt;
    }
    return r;
  }
  // Requests this replica holds or has been sent: what a least-loaded router compares.
  size_t outstanding() const { return state_.waiting.size() + state_.running.size() + inbox_.size(); }

 private:
  long long speculative_tokens() {
    long long n = 1;
    for (long long i = 0; i < o_.spec_k; ++i) {
      if (spec_rng_.uniform01() >= o_.spec_alpha) break;
      ++n;
    }
    return n;
  }

  // Applies the step's tokens; true when a request left (finished, or handed to the decode pool).
  bool apply(double t) {
    bool any_left = false;
    for (const BatchItem& b : batch_) {
      Request& r = state_.requests[static_cast<size_t>(b.slot)];
      if (b.decode) {
        const long long produced = std::min(o_.spec_k > 0 ? speculative_tokens() : 1, r.output - r.generated);
        r.kv_tokens += produced;
        c_.emit(r, produced, t);
      } else {
        r.kv_tokens += b.tokens;
        if (!r.in_prefill()) c_.emit(r, 1, t);
      }
      if (r.finished() || (role_ == Role::prefill_only && r.generated >= 1)) any_left = true;
    }
    if (!any_left) return false;
    auto leaving = [&](int slot) {
      const Request& r = state_.requests[static_cast<size_t>(slot)];
      return r.finished() || (role_ == Role::prefill_only && r.generated >= 1);
    };
    for (int slot : state_.running) {
      if (!leaving(slot)) continue;
      Request& r = state_.requests[static_cast<size_t>(slot)];
      state_.kv.release(r.blocks);
      if (r.finished()) {
        c_.finish(r, t);
        notify_->on_finish(r.user, t);
      } else {
        // Prefill pool: hand the prompt's KV to the decode pool, which takes the request when it
        // has arrived; the prefill pool does not wait for it.
        const double bytes_chip = static_cast<double>(r.kv_tokens) * cap_.bytes_per_token_per_chip;
        c_.kv_transfer_bytes += static_cast<double>(r.kv_tokens) * kv_bytes_per_token(s_);
        Request moved = r;
        moved.blocks = 0;
        moved.scheduled_s = r.scheduled_s;
        transfer_->transfer_async(Bytes(bytes_chip), Seconds(t), [this, moved, t](Seconds arrived) {
          c_.kv_transfer(arrived.si() - t, moved.first_token_s - moved.arrival_s);
          handoff_->deliver(moved, arrived.si());
          if (after_deliver_) after_deliver_();
        });
      }
      state_.free_slot(slot);
    }
    state_.running.erase(std::remove_if(state_.running.begin(), state_.running.end(), leaving), state_.running.end());
    return true;
  }

  struct Inbound {
    double time;
    long long seq;
    Request request;
    bool operator>(const Inbound& o) const { return time != o.time ? time > o.time : seq > o.seq; }
  };

  const Scenario& s_;
  const ServingOptions& o_;
  ReplicaRuntime& rt_;
  Role role_;
  Collector& c_;
  RequestSource* source_;  // where arrivals come from (none: only handoffs)
  RequestSource* notify_;  // told when a request finishes (closed loop)
  KvCapacity cap_;
  ReplicaState state_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<Router> router_;
  Rng spec_rng_;
  double swap_Bps_ = 1;
  std::vector<BatchItem> batch_;
  std::priority_queue<Inbound, std::vector<Inbound>, std::greater<>> inbox_;
  long long seq_ = 0;
  ReplicaLoop* handoff_ = nullptr;
  std::function<void()> after_deliver_;
  KvTransfer* transfer_ = nullptr;
  PoolStats stats_;
};

nlohmann::json dist_json(const Distribution& d) {
  return {{"mean", d.mean}, {"p50", d.p50}, {"p90", d.p90}, {"p99", d.p99}, {"max", d.max}, {"count", d.count}};
}

ServingResult make_result(const Scenario& s, const Plan& plan, const WorkloadSpec& w, const ServingOptions& o,
                          const Collector& c, const std::vector<const ReplicaLoop*>& pools, long long requests,
                          bool disaggregated) {
  ServingResult r;
  r.requests = c.finished;
  r.ttft_s = summarise(c.ttft);
  r.tpot_s = summarise(c.tpot);
  r.itl_s = summarise(c.itl);
  r.e2e_s = summarise(c.e2e);
  r.queue_s = summarise(c.queue);
  r.makespan_s = c.last_finish;
  const double chips = static_cast<double>(plan.chips * static_cast<long long>(pools.size()));
  double busy = 0, idle_chip_s = 0, swap = 0;
  long long steps = 0, preemptions = 0;
  double recomputed = 0, swap_bytes = 0;
  for (const ReplicaLoop* p : pools) {
    busy += p->stats().busy_s;
    swap += p->stats().swap_s;
    steps += p->stats().steps;
    preemptions += p->state().preemptions;
    recomputed += static_cast<double>(p->state().recomputed_tokens);
    swap_bytes += p->state().swap_bytes_total;
    idle_chip_s += std::max(0.0, r.makespan_s - p->stats().busy_s - p->stats().swap_s) * static_cast<double>(plan.chips);
  }
  r.steps = steps;
  const double busy_chip_s = (busy + swap) * static_cast<double>(plan.chips);
  r.output_tok_s_deployment = r.makespan_s > 0 ? static_cast<double>(c.output_tokens) / r.makespan_s : 0.0;
  r.output_tok_s_per_chip = r.output_tok_s_deployment / chips;
  if (c.q1_finish >= 0 && c.q3_finish > c.q1_finish) {
    r.steady_output_tok_s_deployment = static_cast<double>(c.q3_tokens - c.q1_tokens) / (c.q3_finish - c.q1_finish);
    r.steady_requests_per_s = static_cast<double>(3 * c.planned / 4 - c.planned / 4) / (c.q3_finish - c.q1_finish);
  }
  r.goodput_req_s = r.makespan_s > 0 ? static_cast<double>(c.slo_ok) / r.makespan_s : 0.0;
  r.slo_met = !c.slo_lost() && (w.slo.ttft_p99_s <= 0 || r.ttft_s.p99 <= w.slo.ttft_p99_s) &&
              (w.slo.tpot_p99_s <= 0 || r.tpot_s.p99 <= w.slo.tpot_p99_s);
  const Hardware& hw = s.hw;
  const double energy_J = busy_chip_s * hw.system_power_W_per_chip.value + idle_chip_s * hw.idle_power_W_per_chip.value;
  const Economics& e = s.economics;
  const double deployment_usd = chips * hw.system_cost_usd_per_chip.value;
  const double out_tok = static_cast<double>(c.output_tokens);
  const double capex_per_mtok =
      out_tok > 0 ? deployment_usd / (e.lifetime_years * kSecondsPerYear * e.utilization) * r.makespan_s / out_tok * 1e6 : 0;
  const double energy_per_tok = out_tok > 0 ? energy_J / out_tok : 0;

  using nlohmann::json;
  json j;
  j["engine"] = "serving";
  j["runtime"] = "analytic";
  j["build_commit"] = build_commit();
  j["hardware"] = s.hw.id;
  j["model"] = s.model.id;
  j["weights_precision"] = to_string(s.weights);
  j["kv_precision"] = to_string(s.kv);
  j["chips"] = static_cast<long long>(chips);
  j["chips_per_pool"] = plan.chips;
  j["tp"] = plan.tp;
  j["pp"] = plan.pp;
  j["ep"] = plan.ep;
  j["workload"] = {{"id", w.id},
                   {"description", w.description},
                   {"arrival", to_string(w.arrival)},
                   {"rate_req_s", o.rate_req_s > 0 ? o.rate_req_s : w.rate_req_s},
                   {"slo_ttft_p99_s", w.slo.ttft_p99_s},
                   {"slo_tpot_p99_s", w.slo.tpot_p99_s}};
  j["options"] = {{"scheduler", o.scheduler},
                  {"disaggregated", disaggregated},
                  {"seed", o.seed},
                  {"requests", requests},
                  {"max_batch", o.max_batch},
                  {"max_batch_tokens", o.max_batch_tokens},
                  {"token_budget", o.token_budget},
                  {"block_tokens", o.block_tokens},
                  {"preemption", o.preemption == PreemptionMode::swap ? "swap" : "recompute"},
                  {"kv_window_tokens", o.kv_window},
                  {"kv_sink_tokens", o.kv_sinks},
                  {"spec_k", o.spec_k},
                  {"spec_alpha", o.spec_alpha},
                  {"spec_expected_tokens_per_step",
                   o.spec_k > 0 ? (1 - std::pow(o.spec_alpha, o.spec_k + 1)) / (1 - o.spec_alpha) : 1.0},
                  {"routing", o.routing.describe()}};
  j["requests_finished"] = c.finished;
  j["requests_rejected"] = c.rejected;
  j["requests_truncated"] = c.truncated;
  j["requests_meeting_slo"] = c.slo_ok;
  j["slo_met_p99"] = r.slo_met;
  if (o.stop_once_slo_lost) j["stopped_once_slo_lost"] = c.slo_lost();
  j["makespan_s"] = r.makespan_s;
  j["prompt_tokens"] = c.prompt_tokens;
  j["output_tokens"] = c.output_tokens;
  j["steps"] = steps;
  j["tokens_per_step"] = dist_json(summarise(c.batch_tokens));
  const std::pair<const char*, const Distribution*> dists[] = {
      {"ttft", &r.ttft_s}, {"tpot", &r.tpot_s}, {"itl", &r.itl_s}, {"e2e", &r.e2e_s}, {"queue_wait", &r.queue_s}};
  for (const auto& [name, d] : dists) {
    const std::string n = name;
    j[n + "_mean_s"] = d->mean;
    j[n + "_p50_s"] = d->p50;
    j[n + "_p90_s"] = d->p90;
    j[n + "_p99_s"] = d->p99;
    j[n + "_max_s"] = d->max;
  }
  j["percentiles"] = "log-bucketed histogram, 1% bins: quantiles within 0.5% relative; means exact";
  j["output_tok_s_deployment"] = r.output_tok_s_deployment;
  j["steady_output_tok_s_deployment"] = r.steady_output_tok_s_deployment;
  j["output_tok_s_per_chip"] = r.output_tok_s_per_chip;
  j["total_tok_s_deployment"] =
      r.makespan_s > 0 ? static_cast<double>(c.output_tokens + c.prompt_tokens) / r.makespan_s : 0.0;
  j["requests_per_s"] = r.makespan_s > 0 ? static_cast<double>(c.finished) / r.makespan_s : 0.0;
  j["goodput_req_s"] = r.goodput_req_s;
  j["busy_s"] = busy;
  j["swap_s"] = swap;
  j["utilization"] = r.makespan_s > 0 ? (busy + swap) / (r.makespan_s * static_cast<double>(pools.size())) : 0.0;
  j["energy_J"] = energy_J;
  j["energy_J_per_output_token"] = energy_per_tok;
  j["usd_per_mtok"] = capex_per_mtok;
  j["usd_per_mtok_all_in"] = capex_per_mtok + energy_per_tok * 1e6 * e.pue * e.usd_per_kWh / kJoulesPerKilowattHour;
  j["preemptions"] = preemptions;
  j["recomputed_tokens"] = recomputed;
  j["swap_bytes_per_chip"] = swap_bytes;
  const KvCapacity cap = kv_capacity(s, plan, o.block_tokens);
  j["kv"] = {{"block_tokens", o.block_tokens},
             {"blocks", pools.front()->kv().total_blocks()},
             {"bytes_per_token", kv_bytes_per_token(s)},
             {"bytes_per_token_per_chip", cap.bytes_per_token_per_chip},
             {"free_bytes_per_chip", cap.free_bytes_per_chip},
             {"capacity_tokens", pools.front()->kv().total_blocks() * o.block_tokens}};
  if (disaggregated) {
    j["kv_transfer_bytes"] = c.kv_transfer_bytes;
    j["kv_transfers"] = c.kv_transfers;
    j["kv_transfer_mean_s"] = c.kv_transfers ? c.kv_transfer_s / static_cast<double>(c.kv_transfers) : 0.0;
    j["kv_transfer_s"] = dist_json(summarise(c.kv_transfer_time));
    j["kv_transfer_share_of_ttft"] = dist_json(summarise(c.kv_transfer_share_of_ttft));
  }
  if (s.model.moe) {
    const Distribution ri = summarise(c.rank_imbalance), ei = summarise(c.expert_imbalance);
    j["moe"] = {{"experts", s.model.moe->experts},
                {"top_k", s.model.moe->top_k},
                {"ep_ranks", plan.ep},
                {"rank_imbalance_max_over_mean", dist_json(ri)},
                {"expert_imbalance_max_over_mean", dist_json(ei)}};
  }
  json series = json::array();
  for (size_t i = 0; i < pools.size(); ++i) {
    const PoolStats& ps = pools[i]->stats();
    // Two pools of a disaggregated run are named by role; data-parallel replicas by index.
    const std::string name = disaggregated ? (i == 0 ? "prefill" : "decode")
                             : pools.size() > 1 ? "replica-" + std::to_string(i) : "replica";
    json pool = {{"pool", name}, {"steps", ps.steps}, {"busy_s", ps.busy_s}};
    // Time series for the first kSeriesPools pools only: replicas share one router and one
    // workload, so their series differ only by the draw, and 10^4 replicas' series were 600 MB.
    if (i < kSeriesPools) {
      pool["queue_length"] = ps.queue.to_json("requests");
      pool["running"] = ps.running.to_json("requests");
      pool["kv_occupancy"] = ps.kv.to_json("fraction");
    }
    series.push_back(pool);
  }
  j["pools"] = series;
  if (pools.size() > kSeriesPools) j["pools_with_series"] = static_cast<long long>(kSeriesPools);
  r.json = j;
  return r;
}

long long request_count(const WorkloadSpec& w, const ServingOptions& o) { return o.requests > 0 ? o.requests : w.requests; }

void check_fits(const Plan& plan) {
  if (!plan.fits) throw InputError("--chips", std::to_string(plan.chips), "the model does not fit: " + plan.explanation);
}

// What every serving run starts from: checked options and plan, the request source, the collector.
struct RunSetup {
  long long requests;
  RequestSource source;
  Collector collector;
  Progress bar;
  RunSetup(const Plan& plan, const WorkloadSpec& w, const ServingOptions& o)
      : requests((validate(o), check_fits(plan), request_count(w, o))), source(w, requests, o.seed, o.rate_req_s),
        bar("requests", requests, o.progress) {
    collector.progress = &bar;
    collector.slo = &w.slo;
    collector.sink = o.sink;
    collector.planned = requests;
    // p99 of n values exceeds the limit once more than n - ceil(0.99 n) of them do.
    if (o.stop_once_slo_lost && w.slo.any())
      collector.lost_allowed = requests - static_cast<long long>(std::ceil(0.99 * static_cast<double>(requests)));
  }
  RunSetup(const RunSetup&) = delete;  // the collector points at the bar
  RunSetup& operator=(const RunSetup&) = delete;
  ~RunSetup() { bar.finish(); }
};

void require_kv_space(const ReplicaLoop& loop, const Plan& plan) {
  if (loop.kv().total_blocks() == 0)
    throw InputError("--chips", std::to_string(plan.chips), "no memory is left for the KV cache after the weights");
}
}  // namespace

ServingResult run_serving(const Scenario& s, const Plan& plan, const WorkloadSpec& w, const ServingOptions& o,
                          ReplicaRuntime& runtime) {
  RunSetup run(plan, w, o);
  const long long n = run.requests;
  RequestSource& source = run.source;
  Collector& c = run.collector;
  ReplicaLoop loop(s, plan, o, runtime, ReplicaLoop::Role::full, c, &source, o.seed);
  require_kv_space(loop, plan);
  while (!loop.idle_forever() && !stop_requested() && !c.slo_lost()) loop.iterate();
  return make_result(s, plan, w, o, c, {&loop}, n, false);
}

ServingResult run_serving_replicated(const Scenario& s, const Plan& plan, const WorkloadSpec& w,
                                    const ServingOptions& o, const std::vector<ReplicaRuntime*>& runtimes) {
  RunSetup run(plan, w, o);
  const long long n = run.requests;
  RequestSource& source = run.source;
  Collector& c = run.collector;
  std::vector<std::unique_ptr<ReplicaLoop>> loops;
  for (size_t i = 0; i < runtimes.size(); ++i) {
    // Each replica draws its own routing and acceptance randomness, from seeds derived in order.
    loops.push_back(std::make_unique<ReplicaLoop>(s, plan, o, *runtimes[i], ReplicaLoop::Role::full, c, &source,
                                                  o.seed + 0x9E3779B97F4A7C15ULL * i));
    loops.back()->detach_source();  // arrivals come from the router below
  }
  require_kv_space(*loops.front(), plan);
  // Conservative interleaving, as in the disaggregated run: the earliest event goes first; an arrival
  // at time t is routed before any replica acts at t, to the replica with the fewest outstanding
  // requests (ties to the lowest index: deterministic). Both choices are ordered sets of (key, index),
  // updated for the one replica an event touches (replicas do not share state; arrivals come from
  // here), so an event costs O(log dp) instead of a scan of every replica.
  std::set<std::pair<double, size_t>> by_event;
  std::set<std::pair<long long, size_t>> by_load;
  std::vector<double> event_of(loops.size());
  std::vector<long long> load_of(loops.size());
  for (size_t i = 0; i < loops.size(); ++i) {
    event_of[i] = loops[i]->next_event();
    load_of[i] = loops[i]->outstanding();
    by_event.insert({event_of[i], i});
    by_load.insert({load_of[i], i});
  }
  auto refresh = [&](size_t i) {
    by_event.erase({event_of[i], i});
    by_load.erase({load_of[i], i});
    event_of[i] = loops[i]->next_event();
    load_of[i] = loops[i]->outstanding();
    by_event.insert({event_of[i], i});
    by_load.insert({load_of[i], i});
  };
  while (!stop_requested() && !c.slo_lost()) {
    const double ta = source.has_next() ? source.next_time() : kInf;
    const auto [tl, best] = *by_event.begin();
    if (ta == kInf && tl == kInf) break;
    if (ta <= tl) {
      const size_t target = by_load.begin()->second;
      const Arrival a = source.pop();
      if (std::optional<Request> r = loops[target]->accept(a)) loops[target]->deliver(*r, a.time_s);
      refresh(target);
    } else {
      loops[best]->iterate();
      refresh(best);
    }
  }
  std::vector<const ReplicaLoop*> pools;
  for (const auto& l : loops) pools.push_back(l.get());
  ServingResult r = make_result(s, plan, w, o, c, pools, n, false);
  r.json["dp"] = static_cast<long long>(loops.size());
  return r;
}

ServingResult run_serving_disaggregated(const Scenario& s, const Plan& plan, const WorkloadSpec& w,
                                        const ServingOptions& o, ReplicaRuntime& prefill_rt,
                                        ReplicaRuntime& decode_rt, KvTransfer& transfer) {
  RunSetup run(plan, w, o);
  const long long n = run.requests;
  RequestSource& source = run.source;
  Collector& c = run.collector;
  ReplicaLoop prefill(s, plan, o, prefill_rt, ReplicaLoop::Role::prefill_only, c, &source, o.seed);
  ReplicaLoop decode(s, plan, o, decode_rt, ReplicaLoop::Role::decode_only, c, &source, o.seed);
  // The decode pool must not pull arrivals from the source: only the prefill pool does.
  decode.detach_source();
  prefill.set_handoff(&decode, &transfer);
  require_kv_space(prefill, plan);
  // Conservative interleaving: move the pool whose next event is earliest; ties go to the prefill
  // pool, whose steps may deliver work to the decode pool at or after its own clock.
  while (!stop_requested() && !c.slo_lost()) {
    const double tp = prefill.next_event(), td = decode.next_event();
    if (tp == kInf && td == kInf) break;
    if (tp <= td) prefill.iterate();
    else decode.iterate();
  }
  return make_result(s, plan, w, o, c, {&prefill, &decode}, n, true);
}

ServingResult run_serving_disaggregated_concurrent(const Scenario& s, const Plan& plan, const WorkloadSpec& w,
                                                   const ServingOptions& o, ReplicaRuntime& prefill_rt,
                                                   ReplicaRuntime& decode_rt, KvTransfer& transfer,
                                                   PoolRunner& runner) {
  RunSetup run(plan, w, o);
  const long long n = run.requests;
  ReplicaLoop prefill(s, plan, o, prefill_rt, ReplicaLoop::Role::prefill_only, run.collector, &run.source, o.seed);
  ReplicaLoop decode(s, plan, o, decode_rt, ReplicaLoop::Role::decode_only, run.collector, &run.source, o.seed);
  decode.detach_source();
  prefill.set_handoff(&decode, &transfer, [&runner] { runner.notify(); });
  require_kv_space(prefill, plan);
  bool prefill_done = false;
  runner.run(
      [&] {
        while (!prefill.idle_forever() && !stop_requested() && !run.collector.slo_lost()) prefill.iterate();
        transfer.drain();  // the last hand-offs still stream to the decode pool
        prefill_done = true;
        runner.notify();
      },
      [&] {
        // The decode pool runs while it has work; idle, it waits for the next hand-off (or the end).
        while (!stop_requested() && !run.collector.slo_lost()) {
          const double next = decode.next_event();
          if (next <= decode_rt.now().si()) {
            decode.iterate();
          } else if (next != kInf) {
            decode_rt.sleep_until(Seconds(next));
          } else if (prefill_done) {
            break;
          } else {
            runner.wait_for_work();
          }
        }
      });
  return make_result(s, plan, w, o, run.collector, {&prefill, &decode}, n, true);
}

ServingResult run_serving_analytic(const Scenario& s, const Plan& plan, const WorkloadSpec& w, const ServingOptions& o) {
  validate(o);
  if (find_scheduler(o.scheduler).disaggregated) {
    if (s.dp > 1)
      throw InputError("--dp", std::to_string(s.dp),
                       "the disaggregated scheduler runs one prefill and one decode replica; accepted value 1");
    AnalyticRuntime p(s, plan), d(s, plan);
    AnalyticKvTransfer t(s, plan);
    return run_serving_disaggregated(s, plan, w, o, p, d, t);
  }
  if (s.dp > 1) {
    std::vector<std::unique_ptr<AnalyticRuntime>> owned;
    std::vector<ReplicaRuntime*> runtimes;
    for (long long i = 0; i < s.dp; ++i) {
      owned.push_back(std::make_unique<AnalyticRuntime>(s, plan, o.pipeline_groups));
      runtimes.push_back(owned.back().get());
    }
    return run_serving_replicated(s, plan, w, o, runtimes);
  }
  AnalyticRuntime rt(s, plan, o.pipeline_groups);
  return run_serving(s, plan, w, o, rt);
}

}  // namespace infersim
