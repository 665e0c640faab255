// Contract: `infersim registry quantify`: each registry entry's estimated_unlock_value checked against
// an experiment on the simulator.
//
// Claims. parse_unlock_value() reads the free text of `estimated_unlock_value` into clauses (split on
// ';'); a clause holds a multiplier when it contains `N x`, `N-M x`, `N to M x` or `N×` (optionally
// preceded by `~`). A point `~N x` (or `N x`) becomes the range [N / 1.25, N * 1.25] (kPointSlack:
// "about 2x" is met by 1.6x..2.5x); a written range keeps its ends. Clauses without a multiplier
// ("Enables 1M+ token context", "~30% on RL rollouts": a percentage does not say of what) are kept
// as text and count as unparseable.
//
// Verdicts. judge(): with the claim's range [low, high] and the measured improvement ratio r (> 1:
// the lever helps), r < low * (1 - kVerdictTolerance) is `overstated`, r > high * (1 +
// kVerdictTolerance) is `understated`, otherwise `within`. No range: `unparseable` (the ratio is still
// reported). A case marked as a sensitivity row (verdict: false) gets `reported` instead.
//
// Experiments. registry/experiments/B<n>.json (schema `infersim-experiment/1`, documented in
// registry/experiments/README.md): the entry, the question, notes on what is and is not captured,
// and cases; each case an engine, a metric (JSON pointer into the engine's result + a named
// derivation), one baseline and one or more lever scenarios. A scenario is the flat set of options
// of `infersim project` / `serve` / `simulate` (hw, model, weights, kv, batch, ..., workload,
// scheduler, spec_k, ...), so every row prints the command that reruns it. An entry that cannot be
// simulated has a file with `simulable: false` and the reason.
//
// Engines (named table, engine_table()): closed-form (analytic project()), kv-capacity (the serving
// layer's KV capacity: streams that fit at a context), serving (analytic serving runtime),
// serving-max-rate (highest arrival rate meeting the workload's SLO), lora-closed-form (project() +
// adapter bytes streamed per step; see the .cpp), des-determinism (`infersim simulate --json` run
// twice in two child processes, bytes compared: it checks the simulator, not hardware). The DES is
// only ever run in child processes (one SimGrid engine per process).
//
// Improvement ratio of a lever: lever / baseline when the metric's `better` is higher, baseline /
// lever when lower. Everything is deterministic (seeded); run_experiment() throws InputError on a
// malformed file and records an engine failure in the result instead of stopping the other entries.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace infersim::registry {

constexpr double kPointSlack = 1.25;        // "~N x" covers [N / 1.25, N * 1.25]
constexpr double kVerdictTolerance = 0.05;  // a range's ends are met within 5 %

struct ClaimClause {
  std::string text;               // the clause as written (trimmed)
  std::string quantity;           // the clause without its multiplier ("decode throughput on ...")
  std::optional<double> low_x;    // improvement factor range; both set or both empty
  std::optional<double> high_x;
  bool approximate = false;       // written with '~'
  bool parsed() const { return low_x.has_value(); }
};

struct UnlockClaim {
  std::string text;
  std::vector<ClaimClause> clauses;
  bool parsed() const;  // some clause holds a multiplier
  // The first parsed clause whose text contains `match` (case-insensitive); with an empty `match`,
  // the first parsed clause. nullptr when none.
  const ClaimClause* select(const std::string& match) const;
};

UnlockClaim parse_unlock_value(const std::string& text);

enum class Verdict { within, overstated, understated, unparseable, reported, failed };
const char* to_string(Verdict v);
Verdict judge(double ratio, const ClaimClause* clause);

// One scenario of a case: the options as written in the experiment file, with descriptor paths
// resolved against the experiment file's folder.
struct ScenarioSpec {
  std::string label;
  nlohmann::json options;  // flat: hw, model, weights, ..., workload, scheduler, ...
};

struct MetricSpec {
  std::string name;            // for people: "decode tok/s per stream"
  std::string pointer;         // JSON pointer into the engine's result
  std::string derive = "value";  // value, per_chip, usd_per_query (see derivation_table())
  std::string better = "higher";  // higher or lower
};

struct CaseSpec {
  std::string name;
  std::string engine;
  MetricSpec metric;
  std::vector<MetricSpec> also;  // secondary metrics: reported with ratios, no verdict
  bool verdict = true;           // false: a sensitivity row (ratio reported, no verdict)
  std::string claim_match;       // overrides the experiment's (which clause this case is judged by)
  ScenarioSpec baseline;
  std::vector<ScenarioSpec> levers;
  nlohmann::json small;          // option overrides for --small (tests), applied to every scenario
};

struct Experiment {
  std::filesystem::path file;
  std::string entry;
  bool simulable = true;
  std::string reason;       // simulable == false: why not
  std::string question;
  std::string claim_match;  // picks the claim clause (see UnlockClaim::select)
  std::string captures, misses;
  std::vector<CaseSpec> cases;
};

// Reads and checks one experiment file (InputError naming the file and JSON pointer).
Experiment load_experiment(const std::filesystem::path& file);

struct EngineInfo {
  std::string name;
  std::string description;
  std::string command;  // the infersim subcommand that reruns a scenario
};
const std::vector<EngineInfo>& engine_table();

struct MetricValue {
  std::string name;
  double baseline = 0, lever = 0, ratio = 0;
};

struct Row {
  std::string case_name;
  std::string lever_label, baseline_label;
  MetricValue metric;
  std::vector<MetricValue> also;
  std::optional<ClaimClause> claim;  // the clause judged against (none: unparseable or a sensitivity row)
  Verdict verdict = Verdict::unparseable;
  std::string detail;  // failure message, or the engine's own finding (des-determinism)
  std::string baseline_command, lever_command;
};

struct EntryResult {
  std::string entry;
  std::string name;            // from the entry file
  std::string claim_text;      // estimated_unlock_value as written
  std::optional<ClaimClause> clause;  // the experiment's default clause (rows may use another)
  std::string experiment_file;  // relative to the registry folder ("" when none)
  bool simulable = false;
  std::string reason;           // not simulable, or no experiment file
  std::string question, captures, misses;
  std::vector<Row> rows;
};

struct QuantifyOptions {
  std::filesystem::path registry_dir;     // holds B<n>.md and experiments/
  std::string infersim_binary;            // for des-determinism (child processes)
  bool small = false;                     // apply each case's `small` overrides (tests)
};

// `selector`: "all" or an id "B<n>". Entries without an experiment file are listed as such.
std::vector<EntryResult> quantify(const std::string& selector, const QuantifyOptions& options);
EntryResult quantify_entry(const std::string& id, const QuantifyOptions& options);

// Runs one scenario on an engine in this process (des-determinism spawns children) and returns the
// engine's JSON result. Exposed for tests.
nlohmann::json run_scenario(const std::string& engine, const nlohmann::json& options, const QuantifyOptions& q);
// The command line that reruns a scenario (paths relative to the data directory, i.e. the source
// tree's root).
std::string rerun_command(const std::string& engine, const nlohmann::json& options);

std::string to_text(const std::vector<EntryResult>& results);
nlohmann::json to_json(const std::vector<EntryResult>& results);
// The Markdown report; links are relative to the registry folder (write it there, or pass the
// folder the links should be relative to).
std::string to_markdown(const std::vector<EntryResult>& results, const std::filesystem::path& links_from,
                        const std::filesystem::path& registry_dir);

}  // namespace infersim::registry
