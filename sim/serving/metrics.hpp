// Contract: what a serving run measures, in memory that does not grow with the requests finished.
//
// Per request (RequestRecord): arrival, first scheduled, first token, finish, lengths, preemptions,
// inter-token gaps summarised (mean, max). Records are streamed to a sink callback as each request
// finishes and then forgotten; nothing per request is kept.
// Percentiles (TTFT, TPOT, ITL, end-to-end, queue wait) come from LogHistogram: fixed bins, each 1 %
// wide in ratio, from 1 ns to 1e7 s (2,996 bins, ~24 KiB each). A quantile is reported as the
// geometric centre of its bin: within 0.5 % of the exact order statistic (relative). Count, sum
// (hence the mean), min and max are exact.
// Time series (queue length, running requests, KV occupancy): DownsampledSeries keeps at most 1,024
// points; when full it drops every other point and doubles its stride (bounded, evenly spaced in
// steps).
// Definitions: TTFT = first token - arrival; TPOT = (finish - first token) / (output tokens - 1),
// requests of one output token excluded; ITL = each gap between successive token emissions (a burst
// of n tokens after a gap g, as with speculative decoding, counts n gaps of g/n); goodput = requests
// whose TTFT and TPOT both meet the SLO, per second of makespan.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace infersim {

class LogHistogram {
 public:
  LogHistogram();
  void add(double value);
  long long count() const { return count_; }
  double sum() const { return sum_; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  double min() const { return count_ ? min_ : 0.0; }
  double max() const { return count_ ? max_ : 0.0; }
  // The q-quantile (0 < q <= 1): the value below which a share q of the samples lie, to within
  // 0.5 % relative (nearest-rank on the bins; clamped to [min, max]).
  double quantile(double q) const;
  static constexpr double kRatio = 1.01;
  static constexpr double kLowest = 1e-9;
  static constexpr double kHighest = 1e7;

 private:
  std::vector<long long> bins_;
  long long zeros_ = 0;  // values below kLowest (including exact zeros)
  long long count_ = 0;
  double sum_ = 0, min_ = 0, max_ = 0;
  double last_value_ = -1;  // memo of add(): the last value at or above kLowest and its bin
  size_t last_bin_ = 0;
};

class DownsampledSeries {
 public:
  static constexpr size_t kMaxPoints = 1024;
  void add(double t, double value);
  nlohmann::json to_json(const char* value_name) const;

 private:
  std::vector<std::pair<double, double>> points_;
  long long stride_ = 1;
  long long seen_ = 0;
};

struct RequestRecord {
  long long id = 0;
  double arrival_s = 0;
  double scheduled_s = 0;    // first step that worked on it
  double first_token_s = 0;
  double finish_s = 0;
  long long prompt_tokens = 0;
  long long output_tokens = 0;
  long long preemptions = 0;
  double itl_mean_s = 0;
  double itl_max_s = 0;
  double ttft_s() const { return first_token_s - arrival_s; }
  double e2e_s() const { return finish_s - arrival_s; }
  double tpot_s() const { return output_tokens > 1 ? (finish_s - first_token_s) / static_cast<double>(output_tokens - 1) : 0.0; }
};

using RecordSink = std::function<void(const RequestRecord&)>;

}  // namespace infersim
