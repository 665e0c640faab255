// Contract: published measurements (schema "infersim-measurements/1", documented in
// validation/README.md) read strictly into typed rows.
//
// read_measurements() checks every row with ObjectReader: an unknown scenario, metric, tag or
// precision, a hardware or model id that is not bundled (unless `allow_unknown_ids`, when the row is
// kept and later reported as skipped), a missing value, a row whose scenario lacks the fields it needs
// (fixed-batch: batch, input_tokens, output_tokens; concurrency: concurrency, input_tokens,
// output_tokens), a duplicate id, or an unknown key is an InputError naming the file, the JSON pointer
// and the accepted values (exit code 2). Nothing is converted later: rows are in SI (seconds,
// tokens, tokens/s).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace infersim {

enum class MeasuredScenario { offline, server, fixed_batch, concurrency, single_stream };
enum class MeasuredMetric { output_tok_s_deployment, output_tok_s_per_chip, output_tok_s_per_stream, ttft_s, itl_mean_s };

const char* to_string(MeasuredScenario s);
const char* to_string(MeasuredMetric m);
std::vector<std::string> measured_scenario_names();
std::vector<std::string> measured_metric_names();
// True for metrics where larger is faster (throughputs); false for latencies.
bool higher_is_better(MeasuredMetric m);

struct Measurement {
  std::string id;
  std::string pointer;  // JSON pointer of the row in its file (/measurements/3)
  std::string hardware, model, weights;
  bool hardware_known = true, model_known = true;  // false only with allow_unknown_ids
  std::optional<long long> chips;                   // null: not disclosed
  std::optional<long long> tp, pp, ep;              // "parallelism", when given
  bool interactive = false;  // workload.scenario "interactive": a server row with MLPerf's Interactive limits
  std::optional<long long> attention_dp;            // "parallelism".dp: attention data parallelism
                                                    // (MLA/GQA attention replicated per rank, experts split)
  MeasuredScenario scenario = MeasuredScenario::offline;
  std::optional<long long> batch, concurrency, input_tokens, output_tokens;
  std::optional<double> mean_output_tokens_derived;
  std::optional<double> ttft_p99_limit_s, tpot_p99_limit_s;
  std::string dataset;                              // e.g. "MLPerf llama2-70b-99": runs that workload
  std::optional<double> measured_mean_output_tokens;  // what the system generated, per its logs
  // Latencies the submission's logs report (seconds), for comparison; not a metric.
  std::optional<double> reported_mean_ttft_s, reported_p99_ttft_s, reported_mean_tpot_s, reported_p99_tpot_s;
  MeasuredMetric metric = MeasuredMetric::output_tok_s_deployment;
  double value = 0;
  std::string tag;  // "audited" or "vendor-claim"
  std::string software, source, note;
};

struct MeasurementSet {
  std::string file;
  std::string note;
  std::vector<Measurement> rows;
};

std::vector<std::string> measurement_tag_names();
MeasurementSet read_measurements(const std::string& path, bool allow_unknown_ids = false);

}  // namespace infersim
