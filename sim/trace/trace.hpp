// Contract: the DES trace, an HDF5 file (schema "infersim-trace/1", documented in sim/trace/README.md).
//
// TraceWriter appends activity and request records to chunked, shuffle+deflate compressed,
// extendible compound datasets. Records are buffered in memory and written in batches of
// kFlushRecords, so memory stays flat however long the run. The root attribute `complete` is 0
// from open() until close(true): a run that stops early (SIGINT/SIGTERM, an error) still leaves a
// valid file whose datasets hold everything flushed so far, marked incomplete.
// Writing is single-threaded: the DES calls append() from its actors (all in one OS thread with
// SimGrid's raw contexts) and flush() from maestro (Engine::on_time_advance).
//
// summarize_trace() attributes each chip's time to causes (weights, KV, compute, communication,
// waiting), per chip and overall. Rule, per chip timeline: while a memory activity runs the chip is
// memory-bound (split between weights and KV by the bytes of the active memory activities); else
// while compute runs, compute; else while a communication runs, communication; otherwise waiting.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace infersim {

// overhead: the calibration's fixed per-step and per-layer software costs (scheduling, launches).
enum class ActivityKind : std::int32_t { compute = 0, memory = 1, tp_allreduce = 2, ep_all_to_all = 3, pp_send = 4, overhead = 5 };
const char* to_string(ActivityKind k);

enum class StepPhase : std::int32_t { decode = 0, prefill = 1, mixed = 2, calibration = 3 };
const char* to_string(StepPhase p);

// One SimGrid activity (or, in step detail, one folded activity standing for `chips_folded` chips).
struct ActivityRecord {
  double start_s = 0;
  double end_s = 0;
  std::int32_t chip = 0;          // chip the activity runs on (the sender for communications)
  std::int32_t peer = -1;         // receiving chip of a communication, -1 otherwise
  std::int32_t chips_folded = 1;  // symmetric chips this record stands for (step detail)
  std::int32_t kind = 0;          // ActivityKind
  std::int32_t phase = 0;         // StepPhase
  std::int32_t tier = -1;         // memory tier index for memory activities
  std::int32_t link = -1;         // index into /links of the sender's first link, -1 if none/folded
  std::int32_t stage = 0;         // pipeline stage (-1: all stages folded)
  std::int32_t layer = -1;        // layer within the stage (-1: all layers folded)
  std::int64_t step = 0;          // step index since the start of the run
  std::int64_t batch = -1;        // batch id set by the serving loop
  double flop = 0;
  double bytes = 0;               // bytes moved: through the tier, or over the network
  double weight_bytes = 0;        // of which weights (memory activities)
  double kv_bytes = 0;            // of which KV cache (memory activities)
};

struct TraceRequestRecord {
  std::int64_t request = 0;
  std::int64_t batch = -1;
  double arrival_s = 0;
  double prefill_start_s = 0;
  double first_token_s = 0;
  double end_s = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t output_tokens = 0;
};

class TraceWriter {
 public:
  static constexpr std::size_t kFlushRecords = 16384;
  // Creates (truncates) the file and writes the root attributes; `complete` starts at 0.
  // `link_bandwidths_Bps`: each link's bandwidth (the /link_bandwidths table), in /links order.
  TraceWriter(const std::string& path, const std::map<std::string, std::string>& attributes,
              const std::vector<std::string>& links, const std::vector<double>& link_bandwidths_Bps = {});
  ~TraceWriter();  // closes as incomplete if close() was not called
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  void append(const ActivityRecord& r);
  void append(const TraceRequestRecord& r);
  bool should_flush() const;
  void flush();
  void set_attribute(const std::string& name, double value);
  // Flushes, sets `complete` to 1 if `complete`, and closes the file.
  void close(bool complete);
  std::int64_t activities_written() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads a trace (complete or not) and returns the attribution described above, as JSON:
// {"complete", "end_s", "chips": [{chip, weights_s, kv_s, compute_s, communication_s, waiting_s}],
//  "overall": {...same, summed over chips, and *_share}, "activities", "requests"}.
// Real collectives (layer detail: tp_allreduce and ep_all_to_all records of one chip each) are
// also split per chip, instance by instance (the n-th such record of a step, stage, layer and kind
// on every chip of the group is one collective):
//   slowest_rank_wait_s   from the chip's entry to the last rank's entry: waiting for the slowest
//   collective_exchange_s from the last rank's entry to the chip's exit: the transfers themselves,
//                         at the rates the links' sharing leaves them.
// And per link (the sender's first link of each communication, /links): bytes sent and utilisation,
// bytes / (bandwidth x simulated time), where the trace has /link_bandwidths. "links" lists the
// busiest first.
nlohmann::json summarize_trace(const std::string& path);
// The activities of one step (every chip), for a per-rank timeline: [{chip, kind, start_s, end_s,
// layer, bytes, flop}], in start order. Empty when the step is not in the trace.
nlohmann::json step_activities(const std::string& path, std::int64_t step);

// Reads every activity record (tests and small traces).
std::vector<ActivityRecord> read_activities(const std::string& path);
std::vector<TraceRequestRecord> read_requests(const std::string& path);

}  // namespace infersim
