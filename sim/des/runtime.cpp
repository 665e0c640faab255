// The DES engine: calibration, step execution (folded, pipelined, per layer) and run_in_engine().
#include "des/des.hpp"

#include <simgrid/s4u.hpp>
#include <xbt/log.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "costmodel/collectives.hpp"
#include "costmodel/step_time.hpp"
#include "des/platform.hpp"
#include "descriptors/input_error.hpp"
#include "version/version.hpp"
#include "interrupt/interrupt.hpp"

namespace infersim {

namespace sg4 = simgrid::s4u;

namespace {
// Two payloads for the affine fits: one token's activations, and 4096 tokens' worth.
constexpr double kLargePayloadFactor = 4096.0;

AffineTime fit(double bytes1, double t1, double bytes2, double t2) {
  AffineTime a;
  a.s_per_byte = (t2 - t1) / (bytes2 - bytes1);
  a.latency_s = t1 - a.s_per_byte * bytes1;
  return a;
}

StepPhase phase_of(const StepShape& shape) {
  if (shape.sequences > 0 && shape.new_tokens <= shape.sequences) return StepPhase::decode;
  if (shape.context_tokens <= 0) return StepPhase::prefill;
  return StepPhase::mixed;
}

StepShape scaled(const StepShape& s, double k) {
  StepShape r = s;
  r.sequences *= k;
  r.new_tokens *= k;
  r.context_tokens *= k;
  r.attended_tokens *= k;
  // A micro-batch carries its share of the step's (token, expert) assignments; the distinct
  // experts it touches are kept (an upper bound: a share of the tokens touches at most as many).
  r.moe_rank_assignments_max *= k;
  for (double& a : r.moe_rank_assignments) a *= k;
  return r;
}

// How many of `total` events fall in slice `i` of `slices` (spreads counts over layers evenly).
long long share(long long total, long long i, long long slices) {
  return (total * (i + 1)) / slices - (total * i) / slices;
}
}  // namespace

const char* to_string(Detail d) {
  switch (d) {
    case Detail::event: return "event";
    case Detail::step: return "step";
    case Detail::layer: return "layer";
  }
  return "step";
}

bool parse_detail(const std::string& text, Detail* out) {
  if (text == "event") *out = Detail::event;
  else if (text == "step") *out = Detail::step;
  else if (text == "layer") *out = Detail::layer;
  else return false;
  return true;
}

void request_stop_on_signals() { install_stop_handlers(); }

// ------------------------------------------------------------------------------------------------
struct DesReplicaRuntime::Impl {
  const Scenario& s;
  const Plan& plan;
  const DesOptions& opt;
  des::Platform& pf;
  TraceWriter* trace;
  long long chip_offset = 0;  // first chip of this replica on the platform (the second pool of a
                              // disaggregated deployment sits after the first)
  double t0 = 0;
  std::int64_t batch = -1;
  std::int64_t step = 0;
  DesCounters counters;
  CollectiveTimings cal;

  // The step the worker actors (pipelined step detail, layer detail) are executing.
  StepCost work;
  // Layer detail of a routed MoE step (ep = tp > 1): each rank's own work (its experts' assignments
  // and distinct experts: serving/router.hpp), and its assignments over the mean rank's, which
  // size the all-to-all messages it receives (dispatch) and sends (combine). Empty: every rank `work`.
  std::vector<StepCost> rank_work;
  std::vector<double> rank_load_factor;
  StepPhase work_phase = StepPhase::decode;
  long long micro_batches = 1;
  sg4::SemaphorePtr done;                 // released once per micro-batch per finishing actor
  std::vector<sg4::SemaphorePtr> go;      // per first-stage worker: one release per micro-batch
  std::vector<sg4::Mailbox*> stage_in;    // per worker: activations from the previous stage
  std::vector<sg4::Mailbox*> ring_in;     // per chip: all-reduce chunks (ring: from its left neighbour)
  bool tp_two_shot = false;               // the TP group's fabric runs the two-shot all-reduce
  NetworkLevel tp_net;                    // the TP group's fabric (its algorithm choice)
  std::vector<sg4::Mailbox*> a2a_in;      // per chip: all-to-all messages
  int token = 0;                          // payload address for mailbox messages

  // Event-driven time advance (Detail::event). A folded step (step detail, no worker actors) shares
  // nothing with another actor: its Execs run alone on this replica's hosts and its collectives are
  // a timer, so the platform fixes its duration before it runs (each phase lasts its longest stream
  // at the hosts' speeds, then the collectives' timer). Such steps are costed and appended to a
  // pending run instead of being executed; the run becomes one timer at the next synchronisation:
  // an event of the serving loop (mark_event), a step that cannot be deferred, an idle wait, a
  // transfer, the end of the run. `defer` is off where another actor may send this one work while
  // it runs ahead (a disaggregated deployment's pools).
  bool defer = false;
  double pending_s = 0;  // deferred time not yet run on the engine

  Impl(const Scenario& sc, const Plan& p, const DesOptions& o, des::Platform& platform, TraceWriter* t)
      : s(sc), plan(p), opt(o), pf(platform), trace(t) {
    tp_net = effective_network(s, plan.tp_over_scale_out);
    tp_two_shot = two_shot_allreduce(tp_net.topology);
    counters.tier_busy_s.assign(s.hw.tiers.size(), 0.0);
    counters.tier_bytes.assign(s.hw.tiers.size(), 0.0);
  }

  double rel(double t) const { return t - t0; }

  void record(ActivityKind kind, double start, double end, int chip, int folded, int stage, int layer,
              double flop = 0, double bytes = 0, int tier = -1, double wbytes = 0, double kvbytes = 0,
              int peer = -1, int link = -1) {
    if (!trace) return;
    ActivityRecord r;
    r.start_s = rel(start);
    r.end_s = rel(end);
    r.chip = chip + static_cast<int>(chip_offset);
    r.peer = peer;
    r.chips_folded = folded;
    r.kind = static_cast<std::int32_t>(kind);
    r.phase = static_cast<std::int32_t>(work_phase);
    r.tier = tier;
    r.link = link;
    r.stage = stage;
    r.layer = layer;
    r.step = step;
    r.batch = batch;
    r.flop = flop;
    r.bytes = bytes;
    r.weight_bytes = wbytes;
    r.kv_bytes = kvbytes;
    trace->append(r);
  }

  // What a finished Exec adds to the counters and the trace (a real one, or a deferred one).
  void account_compute(double start, double end, double flop, int chip, int folded, int stage, int layer,
                       bool count_busy) {
    if (count_busy) {
      counters.compute_busy_s += end - start;
      counters.flop += flop;
    }
    record(ActivityKind::compute, start, end, chip, folded, stage, layer, flop);
  }
  void account_memory(double start, double end, double bytes, int tier, double wshare, int chip, int folded,
                      int stage, int layer, bool count_busy) {
    if (count_busy) {
      counters.tier_busy_s[static_cast<std::size_t>(tier)] += end - start;
      counters.tier_bytes[static_cast<std::size_t>(tier)] += bytes;
    }
    record(ActivityKind::memory, start, end, chip, folded, stage, layer, 0, bytes, tier, bytes * wshare,
           bytes * (1 - wshare));
  }
  // Share of a phase's bytes that are weights (for the trace's attribution): split phases are the
  // GEMMs' (weights) then attention's (KV); one phase carries both in proportion.
  static double weight_share(const StepCost& c, const EffectiveWork& w, std::size_t phase) {
    const double traffic = (c.weight_bytes + c.kv_read_bytes + c.kv_write_bytes).si();
    if (w.phases.size() > 1) return phase == 0 ? 1.0 : 0.0;
    return traffic > 0 ? c.weight_bytes.si() / traffic : 0.0;
  }

  // Compute on the chip || each tier's bytes on its pseudo-host, phase by phase (GEMMs with the
  // weights, then attention with the KV cache, unless they overlap: costmodel/step_time.hpp); returns
  // when all are done. Resources run at peak; the work is the calibrated effective work.
  // `scale` multiplies the cost (pp for folded stages, 1/layers for one layer).
  void compute_and_memory(const StepCost& c, const EffectiveWork& work_at_peak, double scale, int chip, int folded,
                          int stage, int layer, bool count_busy) {
    for (std::size_t ph = 0; ph < work_at_peak.phases.size(); ++ph) {
      const WorkPhase& phase = work_at_peak.phases[ph];
      const double wshare = weight_share(c, work_at_peak, ph);
      std::vector<std::pair<int, sg4::ExecPtr>> execs;
      const double flop = phase.flop_at_peak * scale;
      if (flop > 0) {
        sg4::ExecPtr e = sg4::this_actor::exec_init(flop);
        e->set_host(pf.chips[static_cast<std::size_t>(chip + chip_offset)]);
        e->start();
        execs.emplace_back(-1, e);
      }
      for (std::size_t t = 0; t < phase.tier_bytes_at_peak.size(); ++t) {
        const double bytes = phase.tier_bytes_at_peak[t] * scale;
        if (bytes <= 0) continue;
        sg4::ExecPtr e = sg4::this_actor::exec_init(bytes);
        e->set_host(pf.tiers[static_cast<std::size_t>(chip + chip_offset)][t]);
        e->start();
        execs.emplace_back(static_cast<int>(t), e);
      }
      counters.activities += static_cast<long long>(execs.size());
      for (auto& [tier, e] : execs) {
        e->wait();
        const double start = e->get_start_time(), end = e->get_finish_time();
        if (tier < 0) account_compute(start, end, flop, chip, folded, stage, layer, count_busy);
        else
          account_memory(start, end, phase.tier_bytes_at_peak[static_cast<std::size_t>(tier)] * scale, tier, wshare,
                         chip, folded, stage, layer, count_busy);
      }
    }
  }

  // The same phases, costed instead of executed, from `start`: each stream lasts its work over its
  // host's speed (what the Exec would take alone on it); returns the end of the last phase.
  double compute_and_memory_deferred(const StepCost& c, const EffectiveWork& work_at_peak, double scale,
                                     double start, int chip, int folded, bool count_busy) {
    double t = start;
    const std::size_t host = static_cast<std::size_t>(chip + chip_offset);
    for (std::size_t ph = 0; ph < work_at_peak.phases.size(); ++ph) {
      const WorkPhase& phase = work_at_peak.phases[ph];
      const double wshare = weight_share(c, work_at_peak, ph);
      double end = t;
      const double flop = phase.flop_at_peak * scale;
      if (flop > 0) {
        const double e = t + flop / pf.chips[host]->get_speed();
        account_compute(t, e, flop, chip, folded, -1, -1, count_busy);
        end = std::max(end, e);
      }
      for (std::size_t k = 0; k < phase.tier_bytes_at_peak.size(); ++k) {
        const double bytes = phase.tier_bytes_at_peak[k] * scale;
        if (bytes <= 0) continue;
        const double e = t + bytes / pf.tiers[host][k]->get_speed();
        account_memory(t, e, bytes, static_cast<int>(k), wshare, chip, folded, -1, -1, count_busy);
        end = std::max(end, e);
      }
      t = end;
    }
    return t;
  }

  // Timer for collectives whose time was calibrated; records one sub-interval per class.
  void folded_collectives(double tp_s, double ep_s, double pp_s, int chip, int folded, int stage,
                          const StepCost& c, double pp_count, double overhead_s = 0) {
    const double total = tp_s + ep_s + pp_s + overhead_s;
    if (total <= 0) return;
    const double start = sg4::Engine::get_clock();
    sg4::this_actor::sleep_for(total);
    counters.activities += 1;
    account_collectives(start, tp_s, ep_s, pp_s, overhead_s, chip, folded, stage, c, pp_count);
  }
  // The collectives' sub-intervals from `start`, in the counters and the trace; returns their end.
  double account_collectives(double start, double tp_s, double ep_s, double pp_s, double overhead_s, int chip,
                             int folded, int stage, const StepCost& c, double pp_count) {
    const double total = tp_s + ep_s + pp_s + overhead_s;
    if (total <= 0) return start;
    if (chip == 0) counters.communication_busy_s += total;
    double t = start;
    if (tp_s > 0) {
      record(ActivityKind::tp_allreduce, t, t + tp_s, chip, folded, stage, -1, 0,
             c.tp_allreduce_bytes.si() * static_cast<double>(c.tp_allreduces) * pp_count);
      t += tp_s;
    }
    if (ep_s > 0) {
      record(ActivityKind::ep_all_to_all, t, t + ep_s, chip, folded, stage, -1, 0,
             c.ep_all_to_all_bytes_out.si() * static_cast<double>(c.ep_all_to_alls) * pp_count);
      t += ep_s;
    }
    if (pp_s > 0) {
      record(ActivityKind::pp_send, t, t + pp_s, chip, folded, stage, -1, 0, c.pp_send_bytes.si());
      t += pp_s;
    }
    if (overhead_s > 0) record(ActivityKind::overhead, t, t + overhead_s, chip, folded, stage, -1, 0, 0);
    return start + total;
  }

  // The calibration's fixed software costs (scenario.hpp: Calibration), the same terms the closed
  // form adds: per layer of a stage, and once per step.
  double collective_latency_s() const { return s.calibration.collective_latency.si(); }

  double stage_collectives_s(const StepCost& c) const {
    return static_cast<double>(c.tp_allreduces) *
           (cal.tp_allreduce_at(c.tp_allreduce_bytes.si()) + collective_latency_s());
  }
  double stage_all_to_all_s(const StepCost& c) const {
    return static_cast<double>(c.ep_all_to_alls) *
           (cal.ep_all_to_all.at(c.ep_all_to_all_bytes_out.si()) + collective_latency_s());
  }
  double pp_sends_s(const StepCost& c) const {
    return cal.pp_sends.at(c.pp_send_bytes.si()) + static_cast<double>(plan.pp - 1) * collective_latency_s();
  }

  // step detail, one micro-batch: every stage and every chip folded into ~3 activities.
  void folded_step(const StepCost& c) {
    const double pp = static_cast<double>(plan.pp);
    const int folded = static_cast<int>(plan.chips);
    const EffectiveWork w = effective_work(s, c);
    compute_and_memory(c, w, pp, 0, folded, -1, -1, true);
    folded_collectives(stage_collectives_s(c) * pp, stage_all_to_all_s(c) * pp, pp_sends_s(c), 0, folded, -1, c, pp,
                       w.stage_fixed.si() * pp + w.step_fixed.si());
  }

  // The same step costed and appended to the pending run (event detail); returns its duration.
  double deferred_folded_step(const StepCost& c) {
    const double pp = static_cast<double>(plan.pp);
    const int folded = static_cast<int>(plan.chips);
    const EffectiveWork w = effective_work(s, c);
    const double start = sg4::Engine::get_clock() + pending_s;
    double t = compute_and_memory_deferred(c, w, pp, start, 0, folded, true);
    t = account_collectives(t, stage_collectives_s(c) * pp, stage_all_to_all_s(c) * pp, pp_sends_s(c),
                            w.stage_fixed.si() * pp + w.step_fixed.si(), 0, folded, -1, c, pp);
    pending_s += t - start;
    counters.deferred_steps += 1;
    // The trace is written from maestro when time advances: a long run without events would hold
    // all its records, so it is cut where the writer wants to flush.
    if (trace && trace->should_flush()) run_pending();
    return t - start;
  }

  // Runs the pending run as one timer (the engine's clock catches up with the replica's).
  void run_pending() {
    if (pending_s <= 0) return;
    const double run = pending_s;
    pending_s = 0;
    sg4::this_actor::sleep_for(run);
    counters.activities += 1;
    counters.event_runs += 1;
  }

  // ---- workers: stage actors (pipelined step detail) and chip actors (layer detail) ----------
  void start_workers() {
    const bool layer = opt.detail == Detail::layer;
    if (!layer && plan.pp == 1) return;
    if (!layer && opt.micro_batches <= 1) return;
    done = sg4::Semaphore::create(0);
    const long long per_stage = layer ? plan.tp : 1;
    for (long long st = 0; st < plan.pp; ++st) {
      for (long long r = 0; r < per_stage; ++r) {
        const long long chip = st * plan.tp + r;
        const long long w = st * per_stage + r;
        go.push_back(sg4::Semaphore::create(0));
        stage_in.push_back(sg4::Mailbox::by_name("stage-in-" + std::to_string(w)));
        sg4::ActorPtr a = sg4::Actor::create("worker-" + std::to_string(w), pf.chips[static_cast<std::size_t>(chip)],
                                            [this, st, r, chip, w, layer] { worker(st, r, chip, w, layer); });
        a->daemonize();
        // Eager delivery: a send lands in the receiver's buffer while it still computes.
        stage_in.back()->set_receiver(a);
        if (layer) {
          ring_in.push_back(sg4::Mailbox::by_name("ring-in-" + std::to_string(chip)));
          ring_in.back()->set_receiver(a);
          a2a_in.push_back(sg4::Mailbox::by_name("a2a-in-" + std::to_string(chip)));
          a2a_in.back()->set_receiver(a);
        }
      }
    }
  }

  // Detached: the transfer proceeds while the sender moves on; the receiver's get() waits for it.
  void send_to(sg4::Mailbox* box, long long from, long long to, double bytes) {
    sg4::CommPtr comm = box->put_init(&token, static_cast<uint64_t>(std::llround(bytes)));
    if (pf.nic_rate_Bps > 0 && pf.domain_of(from) != pf.domain_of(to)) comm->set_rate(pf.nic_rate_Bps);
    comm->detach();
    counters.activities += 1;
  }

  void worker(long long st, long long rank, long long chip, long long w, bool layer) {
    const long long per_stage = layer ? plan.tp : 1;
    const int folded = layer ? 1 : static_cast<int>(plan.tp);
    while (true) {
      if (st == 0) go[static_cast<std::size_t>(w)]->acquire();
      else stage_in[static_cast<std::size_t>(w)]->get<int>();
      const StepCost& c = rank_work.empty() ? work : rank_work[static_cast<std::size_t>(rank)];
      const bool busy = chip == 0;
      const EffectiveWork ew = effective_work(s, c);
      if (!layer) {
        compute_and_memory(c, ew, 1.0, static_cast<int>(chip), folded, static_cast<int>(st), -1, busy);
        const double tp_s = stage_collectives_s(c), ep_s = stage_all_to_all_s(c);
        folded_collectives(tp_s, ep_s, 0, static_cast<int>(chip), folded, static_cast<int>(st), c, 1.0,
                           ew.stage_fixed.si() + (st == 0 ? ew.step_fixed.si() : 0.0) +
                               (st + 1 < plan.pp ? collective_latency_s() : 0.0));
      } else {
        const long long L = plan.layers_per_stage;
        for (long long l = 0; l < L; ++l) {
          compute_and_memory(c, ew, 1.0 / static_cast<double>(L), static_cast<int>(chip), 1, static_cast<int>(st),
                             static_cast<int>(l), busy);
          const double t_comm = sg4::Engine::get_clock();
          for (long long k = 0; k < share(c.tp_allreduces, l, L); ++k) ring_allreduce(st, rank, c, l);
          for (long long k = 0; k < share(c.ep_all_to_alls, l, L); ++k) all_to_all(st, rank, c, l, k);
          if (busy) counters.communication_busy_s += sg4::Engine::get_clock() - t_comm;
        }
        // The collectives' fixed launch cost (the comms above are the bytes and the link latencies).
        const double overhead = ew.stage_fixed.si() + (st == 0 ? ew.step_fixed.si() : 0.0) +
                                static_cast<double>(c.tp_allreduces + c.ep_all_to_alls + (st + 1 < plan.pp ? 1 : 0)) *
                                    collective_latency_s();
        if (overhead > 0) {
          const double t0 = sg4::Engine::get_clock();
          sg4::this_actor::sleep_for(overhead);
          counters.activities += 1;
          record(ActivityKind::overhead, t0, t0 + overhead, static_cast<int>(chip), 1, static_cast<int>(st), -1, 0, 0);
        }
      }
      if (st + 1 < plan.pp) {
        // Activations to the next stage: each tensor-parallel rank sends its shard (layer detail);
        // a folded stage sends the whole activation from its representative chip.
        const long long next_w = (st + 1) * per_stage + rank;
        const long long next_chip = (st + 1) * plan.tp + rank;
        const double bytes = c.pp_send_bytes.si() / static_cast<double>(per_stage);
        send_to(stage_in[static_cast<std::size_t>(next_w)], chip, next_chip, bytes);
        // The send's own end is not observed (it is detached): the record marks its start; the
        // receiver's wait shows as waiting in the trace summary.
        const double now = sg4::Engine::get_clock();
        record(ActivityKind::pp_send, now, now, static_cast<int>(chip), folded, static_cast<int>(st), -1, 0, bytes,
               -1, 0, 0, static_cast<int>(next_chip), trace ? pf.first_link(chip, next_chip) : -1);
      } else {
        done->release();
      }
    }
  }

  // The tensor-parallel all-reduce as real comms, in the algorithm the fabric affords
  // (costmodel/collectives.hpp allreduce_time). Ring: 2(n-1) rounds, each sending S/n to the right
  // neighbour and receiving from the left one. Two-shot (switched fabrics): reduce-scatter, every
  // chip sending its S/n share to every peer at once, then all-gather the same way. Both use
  // ring_in (a chip receives n-1 messages per two-shot phase, one per ring round; a fast peer's
  // second-phase message may be counted towards the first phase, which shifts a chip's start of the
  // second phase by at most one message time when the chips are out of step).
  void ring_allreduce(long long st, long long rank, const StepCost& c, long long layer) {
    const long long n = plan.tp;
    if (n <= 1) return;
    const long long chip = st * n + rank;
    const long long right = st * n + (rank + 1) % n;
    const double chunk = c.tp_allreduce_bytes.si() / static_cast<double>(n);
    const double start = sg4::Engine::get_clock();
    const AllReduceAlgorithm algorithm = allreduce_algorithm(n, c.tp_allreduce_bytes, tp_net);
    if (algorithm == AllReduceAlgorithm::one_shot) {
      // One step: the whole vector to every peer at once, then the n-1 from them.
      for (long long k = 1; k < n; ++k) {
        const long long peer = st * n + (rank + k) % n;
        send_to(ring_in[static_cast<std::size_t>(peer)], chip, peer, c.tp_allreduce_bytes.si());
      }
      for (long long k = 1; k < n; ++k) ring_in[static_cast<std::size_t>(chip)]->get<int>();
    } else if (tp_two_shot) {
      for (int phase = 0; phase < 2; ++phase) {
        for (long long k = 1; k < n; ++k) {
          const long long peer = st * n + (rank + k) % n;
          send_to(ring_in[static_cast<std::size_t>(peer)], chip, peer, chunk);
        }
        for (long long k = 1; k < n; ++k) ring_in[static_cast<std::size_t>(chip)]->get<int>();
      }
    } else {
      for (long long k = 0; k < 2 * (n - 1); ++k) {
        send_to(ring_in[static_cast<std::size_t>(right)], chip, right, chunk);
        ring_in[static_cast<std::size_t>(chip)]->get<int>();
      }
    }
    record(ActivityKind::tp_allreduce, start, sg4::Engine::get_clock(), static_cast<int>(chip), 1,
           static_cast<int>(st), static_cast<int>(layer), 0, chunk * 2.0 * static_cast<double>(n - 1), -1, 0, 0,
           static_cast<int>(right), trace ? pf.first_link(chip, right) : -1);
  }

  // Expert all-to-all as real comms: every chip of the group sends its share to every other. With
  // per-rank loads, the k-th all-to-all of a layer alternates dispatch (tokens to the experts' ranks:
  // a message to peer q scales with q's load) and combine (results back: a message from this rank
  // scales with its own load), so a hot rank receives, computes and sends more, and the others wait.
  void all_to_all(long long st, long long rank, const StepCost& c, long long layer, long long k) {
    const long long n = plan.ep;
    if (n <= 1) return;
    const long long chip = st * plan.tp + rank;
    const double each = c.ep_all_to_all_bytes_out.si() / static_cast<double>(n - 1);
    const bool dispatch = k % 2 == 0;
    const double start = sg4::Engine::get_clock();
    double sent = 0;
    for (long long j = 1; j < n; ++j) {
      const long long q = (rank + j) % n;
      const long long peer = st * plan.tp + q;
      double bytes = each;
      if (!rank_load_factor.empty())
        bytes *= rank_load_factor[static_cast<std::size_t>(dispatch ? q : rank)];
      send_to(a2a_in[static_cast<std::size_t>(peer)], chip, peer, bytes);
      sent += bytes;
    }
    for (long long j = 1; j < n; ++j) a2a_in[static_cast<std::size_t>(chip)]->get<int>();
    record(ActivityKind::ep_all_to_all, start, sg4::Engine::get_clock(), static_cast<int>(chip), 1,
           static_cast<int>(st), static_cast<int>(layer), 0, sent);
  }

  // Runs the step on the workers: micro-batches enter the first stage, return from the last.
  void worker_step(const StepShape& shape) {
    const bool layer = opt.detail == Detail::layer;
    const long long m = std::max<long long>(1, std::min<long long>(opt.micro_batches,
                                                                   std::llround(std::max(1.0, shape.sequences))));
    const StepShape part = scaled(shape, 1.0 / static_cast<double>(m));
    work = step_cost(s, plan, part);
    rank_work.clear();
    rank_load_factor.clear();
    const auto ranks = static_cast<std::size_t>(plan.ep);
    if (layer && plan.ep > 1 && plan.ep == plan.tp && part.moe_rank_assignments.size() == ranks &&
        part.moe_rank_experts.size() == ranks) {
      double mean = 0;
      for (double a : part.moe_rank_assignments) mean += a / static_cast<double>(ranks);
      for (std::size_t r = 0; r < ranks; ++r) {
        StepShape own = part;
        own.moe_rank_assignments_max = part.moe_rank_assignments[r];
        own.moe_rank_experts_max = part.moe_rank_experts[r];
        rank_work.push_back(step_cost(s, plan, own));
        rank_load_factor.push_back(mean > 0 ? part.moe_rank_assignments[r] / mean : 1.0);
      }
    }
    const long long first_stage_workers = layer ? plan.tp : 1;
    for (long long j = 0; j < m; ++j)
      for (long long w = 0; w < first_stage_workers; ++w) go[static_cast<std::size_t>(w)]->release();
    for (long long j = 0; j < m * first_stage_workers; ++j) done->acquire();
  }

  // ---- start-up calibration: the collectives measured on the platform ------------------------
  double measure_ring(double bytes) {
    const long long n = plan.tp;
    if (tp_two_shot) return measure_exchange(n, bytes * static_cast<double>(n - 1) / static_cast<double>(n), 2);
    const double start = sg4::Engine::get_clock();
    for (long long k = 0; k < 2 * (n - 1); ++k) {
      std::vector<sg4::CommPtr> comms;
      for (long long i = 0; i < n; ++i) comms.push_back(pf.start_send(i, (i + 1) % n, bytes / static_cast<double>(n)));
      counters.activities += n;
      sg4::Comm::wait_all(comms);
    }
    return sg4::Engine::get_clock() - start;
  }

  // One-shot: every chip sends the whole vector to each of its n-1 peers at once.
  double measure_one_shot(double bytes) {
    return measure_exchange(plan.tp, bytes * static_cast<double>(plan.tp - 1), 1);
  }

  double measure_all_to_all(double bytes_out) { return measure_exchange(plan.ep, bytes_out, 1); }

  // `rounds` exchanges in turn among chips 0..n-1, each chip sending bytes_out in total, spread
  // evenly over the others, all at once.
  double measure_exchange(long long n, double bytes_out, int rounds) {
    const double start = sg4::Engine::get_clock();
    for (int round = 0; round < rounds; ++round) {
      // One actor per sender keeps each actor's outstanding activities under n (SIMGRID-NOTES.md).
      std::vector<sg4::ActorPtr> senders;
      for (long long i = 0; i < n; ++i) {
        senders.push_back(sg4::Actor::create("exchange-" + std::to_string(i), pf.chips[static_cast<std::size_t>(i)],
                                             [this, i, n, bytes_out] {
                                               std::vector<sg4::CommPtr> comms;
                                               for (long long k = 1; k < n; ++k)
                                                 comms.push_back(pf.start_send(i, (i + k) % n,
                                                                               bytes_out / static_cast<double>(n - 1)));
                                               sg4::Comm::wait_all(comms);
                                             }));
        counters.activities += n - 1;
      }
      for (auto& a : senders) a->join();
    }
    return sg4::Engine::get_clock() - start;
  }

  double measure_pp_sends(double bytes) {
    double total = 0;
    for (long long st = 0; st + 1 < plan.pp; ++st) {
      const double start = sg4::Engine::get_clock();
      pf.start_send(st * plan.tp, (st + 1) * plan.tp, bytes)->wait();
      counters.activities += 1;
      total += sg4::Engine::get_clock() - start;
    }
    return total;
  }

  void calibrate() {
    const double s1 = static_cast<double>(s.model.hidden_size) * bytes_per_element(s.activations);
    const double s2 = s1 * kLargePayloadFactor;
    if (opt.collectives_from_formula) {
      // The closed form's own formulas (collectives.hpp), fitted the same way.
      const NetworkLevel pp_net = effective_network(s, plan.pp_over_scale_out);
      const double sends = static_cast<double>(plan.pp - 1);
      const AllReduceAlgorithm algorithm = base_allreduce_algorithm(tp_net.topology);
      auto base = [&](double b) { return allreduce_time(algorithm, plan.tp, Bytes(b), tp_net).si(); };
      cal.tp_allreduce = fit(s1, base(s1), s2, base(s2));
      cal.one_shot = plan.tp > 1 && one_shot_allreduce(tp_net.topology);
      if (cal.one_shot)
        cal.tp_allreduce_one_shot = fit(s1, one_shot_allreduce_time(plan.tp, Bytes(s1), tp_net).si(), s2,
                                        one_shot_allreduce_time(plan.tp, Bytes(s2), tp_net).si());
      cal.ep_all_to_all = fit(s1, all_to_all_time(plan.ep, Bytes(s1), tp_net).si(), s2,
                              all_to_all_time(plan.ep, Bytes(s2), tp_net).si());
      cal.pp_sends = fit(s1, sends * point_to_point_time(Bytes(s1), pp_net).si(), s2,
                         sends * point_to_point_time(Bytes(s2), pp_net).si());
      if (plan.pp == 1) cal.pp_sends = AffineTime{};
      cal.source = "formula";
      return;
    }
    cal.source = "measured";
    if (plan.tp > 1) cal.tp_allreduce = fit(s1, measure_ring(s1), s2, measure_ring(s2));
    cal.one_shot = plan.tp > 1 && one_shot_allreduce(tp_net.topology);
    if (cal.one_shot) cal.tp_allreduce_one_shot = fit(s1, measure_one_shot(s1), s2, measure_one_shot(s2));
    if (plan.ep > 1) cal.ep_all_to_all = fit(s1, measure_all_to_all(s1), s2, measure_all_to_all(s2));
    if (plan.pp > 1) cal.pp_sends = fit(s1, measure_pp_sends(s1), s2, measure_pp_sends(s2));
  }
};

// ------------------------------------------------------------------------------------------------
DesReplicaRuntime::DesReplicaRuntime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DesReplicaRuntime::~DesReplicaRuntime() = default;

Seconds DesReplicaRuntime::now() const { return Seconds(impl_->rel(sg4::Engine::get_clock() + impl_->pending_s)); }

Seconds DesReplicaRuntime::run_step(const StepShape& shape) {
  Impl& m = *impl_;
  m.work_phase = phase_of(shape);
  const bool workers = m.opt.detail == Detail::layer || (m.plan.pp > 1 && m.opt.micro_batches > 1);
  double dt = 0;
  if (!workers && m.defer) {
    dt = m.deferred_folded_step(step_cost(m.s, m.plan, shape));
  } else {
    m.run_pending();
    const double start = sg4::Engine::get_clock();
    if (workers) m.worker_step(shape);
    else m.folded_step(step_cost(m.s, m.plan, shape));
    dt = sg4::Engine::get_clock() - start;
  }
  m.counters.steps += 1;
  if (m.work_phase == StepPhase::decode) m.counters.decode_steps += 1;
  else m.counters.prefill_steps += 1;
  m.step += 1;
  return Seconds(dt);
}

// An idle wait ends a pending run: both become one timer.
void DesReplicaRuntime::sleep_until(Seconds t) {
  Impl& m = *impl_;
  const double wait = t.si() - now().si();
  if (wait <= 0) return;
  if (m.pending_s > 0) {
    m.pending_s += wait;
    m.run_pending();
    return;
  }
  sg4::this_actor::sleep_for(wait);
  m.counters.activities += 1;
}

void DesReplicaRuntime::mark_event() { impl_->run_pending(); }

void DesReplicaRuntime::set_batch(std::int64_t batch_id) { impl_->batch = batch_id; }

void DesReplicaRuntime::record_request(const TraceRequestRecord& r) {
  if (impl_->trace) impl_->trace->append(r);
}

bool DesReplicaRuntime::stop_requested() const { return infersim::stop_requested(); }
const DesCounters& DesReplicaRuntime::counters() const { return impl_->counters; }
const CollectiveTimings& DesReplicaRuntime::collectives() const { return impl_->cal; }

// ------------------------------------------------------------------------------------------------
namespace {
// The Engine's argv: SimGrid only sees what we forward (CLI11 parsed the real command line first).
std::vector<std::string> engine_args(const DesOptions& options) {
  std::vector<std::string> args = {"infersim"};
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer builds only (INFERSIM_SANITIZE): Debian's libsimgrid has no ASan fiber
  // annotations, so on the raw, boost and ucontext factories ASan loses track of the actor stacks
  // and reports false stack-buffer-overflows (google/sanitizers#189). Real threads it understands.
  // Same results (the kernel is deterministic across factories); a later --cfg still overrides.
  args.push_back("--cfg=contexts/factory:thread");
#endif
  // SimGrid ends the process (xbt_assert: abort) on a --cfg item without "name:value"; checked here
  // so that it is bad input with a message instead (exit 2). Items are split as SimGrid splits them.
  for (const auto& a : options.simgrid_args) {
    const bool cfg = a.rfind("--cfg=", 0) == 0;
    const std::string value = a.substr(a.find('=') + 1);
    const std::string option = cfg ? "--cfg" : "--log";
    std::size_t start = 0;
    bool any = false;
    while ((start = value.find_first_not_of(" \t\n,", start)) != std::string::npos) {
      const std::size_t end = std::min(value.find_first_of(" \t\n,", start), value.size());
      const std::string item = value.substr(start, end - start);
      const std::size_t colon = item.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == item.size())
        throw InputError(option, value,
                         "expected name:value, e.g. " +
                             std::string(cfg ? "network/model:CM02 (SimGrid's --cfg=help lists the names)"
                                             : "root.thresh:info (SimGrid's --help-logs lists the forms)"));
      any = true;
      start = end;
    }
    if (!any) throw InputError(option, value, "expected name:value");
  }
  args.insert(args.end(), options.simgrid_args.begin(), options.simgrid_args.end());
  bool user_log = false;
  for (const auto& a : args) user_log = user_log || a.rfind("--log=", 0) == 0;
  if (!user_log) xbt_log_control_set("root.thresh:warning xbt_cfg.thresh:warning");
  return args;
}

// The trace of a run (empty optional without --trace), flushed from maestro as time advances.
void open_trace(std::optional<TraceWriter>& trace, const Scenario& s, const Plan& plan, const DesOptions& options,
                const des::Platform& pf) {
  if (!options.trace_path.empty()) {
    std::map<std::string, std::string> attrs = {
        {"hardware", s.hw.id}, {"model", s.model.id}, {"weights_precision", to_string(s.weights)},
        {"kv_precision", to_string(s.kv)}, {"tp", std::to_string(plan.tp)}, {"pp", std::to_string(plan.pp)},
        {"ep", std::to_string(plan.ep)}, {"chips", std::to_string(plan.chips)},
        {"detail", to_string(options.detail)}, {"seed", std::to_string(options.seed)},
        {"micro_batches", std::to_string(options.micro_batches)}, {"platform", pf.description},
        {"time_unit", "s (from the end of start-up calibration)"},
        {"kind_names", "0 compute, 1 memory, 2 tp_allreduce, 3 ep_all_to_all, 4 pp_send, 5 overhead"},
        {"phase_names", "0 decode, 1 prefill, 2 mixed, 3 calibration"},
        {"build", std::string(version()) + " (" + build_commit() + ")"}};
    std::vector<double> bandwidths;
    for (const auto& name : pf.link_names) bandwidths.push_back(sg4::Link::by_name(name)->get_bandwidth());
    trace.emplace(options.trace_path, attrs, pf.link_names, bandwidths);
  }
  TraceWriter* tw = trace ? &*trace : nullptr;
  // Flush from maestro, in batches, as time advances (SIMGRID-NOTES.md: write from one place).
  if (tw) sg4::Engine::on_time_advance_cb([tw](double) {
      if (tw->should_flush()) tw->flush();
    });
}

std::vector<char*> argv_of(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

// The Engine parses the forwarded --cfg/--log items: an unknown name or level is an exception from
// SimGrid (it used to reach the top level as an internal error, exit 70), reported as bad input.
sg4::Engine make_engine(int& argc, std::vector<char*>& argv, const DesOptions& options) {
  try {
    return sg4::Engine(&argc, argv.data());
  } catch (const std::exception& e) {
    std::string given;
    for (const auto& a : options.simgrid_args) given += (given.empty() ? "" : " ") + a;
    // SimGrid appends every known key to "Bad config key": the first line is the message.
    std::string what = e.what();
    what = what.substr(0, what.find('\n'));
    throw InputError(given.empty() ? "SimGrid" : "--cfg/--log", given.empty() ? "(none)" : given,
                     "SimGrid refused its configuration: " + what + " (--cfg=help lists the names)");
  }
}

// One SimGrid engine with its platform and optional trace: what every entry point shares. The
// platform is built for `platform_plan` (a disaggregated run builds two pools' worth of chips).
class Session {
 public:
  Session(const Scenario& s, const Plan& platform_plan, const DesOptions& options)
      : args_(engine_args(options)), argv_(argv_of(args_)), argc_(static_cast<int>(args_.size())),
        engine_(make_engine(argc_, argv_, options)) {
    // After the Engine: it installs its own SIGINT handler (print status, exit(1)), which ours replaces.
    if (options.stop_on_signals) request_stop_on_signals();
    des::configure_models();
    pf = des::build_platform(s, platform_plan);
    open_trace(trace_, s, platform_plan, options, pf);
    info.chips = platform_plan.chips;
    info.hosts = pf.hosts;
    info.links = pf.links;
  }
  TraceWriter* trace() { return trace_ ? &*trace_ : nullptr; }
  // Runs the engine to completion, then closes the trace (complete unless a signal stopped the run).
  DesRunInfo run() {
    engine_.run();
    if (trace_) {
      trace_->set_attribute("end_s", info.simulated_s);
      trace_->set_attribute("calibration_s", info.calibration_s);
      trace_->close(!info.stopped);
    }
    return info;
  }

  des::Platform pf;
  DesRunInfo info;  // filled by the actors

 private:
  std::vector<std::string> args_;
  std::vector<char*> argv_;
  int argc_;
  sg4::Engine engine_;
  std::optional<TraceWriter> trace_;
};
}  // namespace

DesRunInfo run_in_engine(const Scenario& s, const Plan& plan, const DesOptions& options,
                         const std::function<void(DesReplicaRuntime&)>& body) {
  Session session(s, plan, options);
  des::Platform& pf = session.pf;
  DesRunInfo& info = session.info;
  TraceWriter* tw = session.trace();
  // Outlives the engine's run: the daemon workers block on its semaphores until maestro kills them.
  auto impl = std::make_unique<DesReplicaRuntime::Impl>(s, plan, options, pf, tw);
  DesReplicaRuntime::Impl* m = impl.get();
  m->defer = options.detail == Detail::event;
  DesReplicaRuntime runtime(std::move(impl));
  sg4::Actor::create("replica", pf.chips[0], [&] {
    m->calibrate();
    m->t0 = sg4::Engine::get_clock();
    info.calibration_s = m->t0;
    m->start_workers();
    body(runtime);
    m->run_pending();
    info.counters = m->counters;
    info.collectives = m->cal;
    info.simulated_s = sg4::Engine::get_clock() - m->t0;
    info.stopped = stop_requested();
  });
  return session.run();
}

// ------------------------------------------------------------------------------------------------
namespace {
// Moves a hand-off's KV cache as real traffic: every chip of the prefill pool sends its share to the
// same-rank chip of the decode pool, all at once. transfer() blocks the prefill actor until all have
// arrived; transfer_async() moves them from an actor of their own, so that the prefill pool goes
// on and hand-offs in flight together share the ports and NICs they cross.
class DesKvTransfer : public KvTransfer {
 public:
  DesKvTransfer(des::Platform& pf, long long chips, DesReplicaRuntime::Impl& clock, DesCounters& counters)
      : pf_(pf), chips_(chips), clock_(clock), counters_(counters), drained_(sg4::Semaphore::create(0)) {}
  Seconds transfer(Bytes bytes_per_chip, Seconds /*ready: the prefill actor is already there*/) override {
    clock_.run_pending();  // the transfer starts on the engine's clock
    send_and_wait(bytes_per_chip.si());
    return Seconds(clock_.rel(sg4::Engine::get_clock()));
  }
  void transfer_async(Bytes bytes_per_chip, Seconds, const std::function<void(Seconds)>& arrived) override {
    clock_.run_pending();
    ++in_flight_;
    // The actor starts at this instant; the callback runs at the arrival, in the engine's time order.
    sg4::Actor::create("kv-handoff", pf_.chips[0], [this, bytes = bytes_per_chip.si(), arrived] {
      send_and_wait(bytes);
      arrived(Seconds(clock_.rel(sg4::Engine::get_clock())));
      --in_flight_;
      drained_->release();
    });
  }
  void drain() override {
    while (in_flight_ > 0) drained_->acquire();
  }

 private:
  void send_and_wait(double bytes) {
    if (bytes <= 0) return;
    std::vector<sg4::CommPtr> comms;
    for (long long i = 0; i < chips_; ++i) comms.push_back(pf_.start_send(i, chips_ + i, bytes));
    for (auto& c : comms) c->wait();
    counters_.activities += chips_;
  }

  des::Platform& pf_;
  long long chips_;
  DesReplicaRuntime::Impl& clock_;
  DesCounters& counters_;
  sg4::SemaphorePtr drained_;
  long long in_flight_ = 0;
};

// The decode pool in an actor of its own; the prefill pool in the calling actor.
class DesPoolRunner : public PoolRunner {
 public:
  explicit DesPoolRunner(sg4::Host* decode_host) : decode_host_(decode_host), work_(sg4::Semaphore::create(0)) {}
  void run(const std::function<void()>& prefill, const std::function<void()>& decode) override {
    sg4::ActorPtr d = sg4::Actor::create("decode-pool", decode_host_, [&decode] { decode(); });
    prefill();
    d->join();
  }
  void wait_for_work() override { work_->acquire(); }
  void notify() override { work_->release(); }

 private:
  sg4::Host* decode_host_;
  sg4::SemaphorePtr work_;
};
}  // namespace

DesRunInfo run_pools_in_engine(const Scenario& s, const Plan& plan, const DesOptions& options,
                               const std::function<void(ReplicaRuntime&, ReplicaRuntime&, KvTransfer&,
                                                        PoolRunner&)>& body) {
  // Event detail runs step by step here (no deferral): the decode pool takes hand-offs from the
  // prefill pool's actor, so it must not run ahead of the engine's clock.
  if (options.detail == Detail::layer || (plan.pp > 1 && options.micro_batches > 1))
    throw InputError("--detail", to_string(options.detail),
                     "a disaggregated deployment runs at step (or event) detail without micro-batches on the DES");
  // Two copies of the plan's chips, laid out as one deployment twice as deep (the decode pool's
  // chips follow the prefill pool's, in the same scale-up/scale-out arrangement).
  Plan both = plan;
  both.pp = plan.pp * 2;
  both.chips = plan.chips * 2;
  both.pp_over_scale_out = both.chips > s.hw.scale_up.domain_chips;
  Session session(s, both, options);
  des::Platform& pf = session.pf;
  DesRunInfo& info = session.info;
  TraceWriter* tw = session.trace();
  auto prefill_impl = std::make_unique<DesReplicaRuntime::Impl>(s, plan, options, pf, tw);
  auto decode_impl = std::make_unique<DesReplicaRuntime::Impl>(s, plan, options, pf, tw);
  DesReplicaRuntime::Impl* a = prefill_impl.get();
  DesReplicaRuntime::Impl* b = decode_impl.get();
  b->chip_offset = plan.chips;
  DesReplicaRuntime prefill(std::move(prefill_impl));
  DesReplicaRuntime decode(std::move(decode_impl));
  sg4::Actor::create("prefill-pool", pf.chips[0], [&] {
    a->calibrate();
    a->t0 = b->t0 = sg4::Engine::get_clock();
    b->cal = a->cal;
    info.calibration_s = a->t0;
    DesKvTransfer transfer(pf, plan.chips, *a, a->counters);
    DesPoolRunner runner(pf.chips[static_cast<std::size_t>(plan.chips)]);
    body(prefill, decode, transfer, runner);
    info.counters = a->counters;
    info.counters.activities += b->counters.activities;
    info.counters.steps += b->counters.steps;
    info.counters.decode_steps += b->counters.decode_steps;
    info.counters.prefill_steps += b->counters.prefill_steps;
    info.collectives = a->cal;
    info.simulated_s = sg4::Engine::get_clock() - a->t0;
    info.stopped = stop_requested();
  });
  return session.run();
}

}  // namespace infersim
