// `infersim straggler`: the straggler penalty of expert parallelism against EP degree, batch and
// routing skew (serving/straggler.hpp).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/output_options.hpp"
#include "cli/scenario_options.hpp"
#include "descriptors/input_error.hpp"
#include "format/format.hpp"
#include "interrupt/interrupt.hpp"
#include "serving/straggler.hpp"
#include "version/version.hpp"

namespace infersim::cli {

namespace {
struct StragglerArgs {
  ScenarioOptions scenario;
  StragglerOptions study;
  OutputOptions output;
};

std::string pct(double x) { return format_number(x * 100.0) + " %"; }

void run_straggler(StragglerArgs a, CommandResult& result) {
  install_stop_handlers();
  const auto points = straggler_study(a.scenario, a.study);
  std::string text;
  if (a.output.json()) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& p : points) rows.push_back(to_json(p));
    text = nlohmann::json{{"command", "straggler"},
                          {"build_commit", build_commit()},
                          {"hardware", a.scenario.hw},
                          {"model", a.scenario.model},
                          {"weights", a.scenario.weights},
                          {"prompt_tokens", a.scenario.prompt_tokens},
                          {"output_tokens", a.scenario.output_tokens},
                          {"draws", a.study.draws},
                          {"seed", a.study.seed},
                          {"points", rows}}
               .dump(2) + "\n";
  } else if (a.output.csv()) {
    std::ostringstream c;
    c << "ep,batch,routing,plan,fits,tokens_per_expert,closed_form_step_s,drawn_step_s_mean,drawn_step_s_p90,penalty,"
         "rank_imbalance_mean,theory_rank_imbalance,not_run\n";
    for (const auto& p : points)
      c << p.ep << ',' << p.batch << ',' << csv_escape(p.skew) << ',' << csv_escape(p.plan) << ',' << p.fits << ','
        << p.tokens_per_expert << ',' << p.closed_form_step_s << ',' << p.drawn_step_s_mean << ',' << p.drawn_step_s_p90
        << ',' << p.penalty << ',' << p.rank_imbalance_mean << ',' << p.theory_rank_imbalance << ','
        << csv_escape(p.not_run) << '\n';
    text = c.str();
  } else {
    std::ostringstream o;
    o << "Straggler penalty of expert parallelism: " << a.scenario.model << " " << a.scenario.weights << " on "
      << a.scenario.hw << ", decode at " << a.scenario.prompt_tokens << " + " << a.scenario.output_tokens
      << "/2 tokens of context, " << a.study.draws << " routing draws per point (seed " << a.study.seed << ").\n"
      << "closed form: every rank the mean load; drawn: each step's routing drawn token by token, the busiest\n"
      << "rank charged (the step waits for it at every all-to-all). penalty = drawn / closed form - 1.\n\n";
    Table t({"ep", "batch", "routing", "plan", "tokens/expert", "closed form", "drawn (p90)", "penalty",
             "rank imbalance", "theory"});
    std::ostringstream skipped;
    for (const auto& p : points) {
      if (!p.not_run.empty()) {
        t.add_row({std::to_string(p.ep), std::to_string(p.batch), p.skew, p.plan, format_number(p.tokens_per_expert),
                   "-", "-", "-", "-", "-"});
        skipped << "  ep " << p.ep << ", batch " << p.batch << ", " << p.skew << ": " << p.not_run << "\n";
        continue;
      }
      t.add_row({std::to_string(p.ep), std::to_string(p.batch), p.skew, p.plan, format_number(p.tokens_per_expert),
                 format_number(p.closed_form_step_s * 1e3) + " ms",
                 format_number(p.drawn_step_s_mean * 1e3) + " (" + format_number(p.drawn_step_s_p90 * 1e3) + ") ms",
                 pct(p.penalty), format_number(p.rank_imbalance_mean) + "x",
                 p.theory_rank_imbalance > 0 ? format_number(p.theory_rank_imbalance) + "x" : "-"});
    }
    o << t.render();
    if (!skipped.str().empty()) o << "\nnot costed:\n" << skipped.str();
    o << "\ntheory (uniform routing): the busiest rank's expected load over the mean, from the normal limit of the\n"
         "per-rank loads (serving/straggler.hpp); negative penalties: skew touches fewer distinct experts, so a\n"
         "weight-bound step reads fewer weights than the uniform draw.\n";
    text = o.str();
  }
  emit(a.output, text);
  result.exit_code = 0;
  if (stop_requested()) {
    std::cerr << "infersim: straggler: stopped by a signal: the " << points.size()
              << " point(s) above are the ones reached (the last may have fewer draws: `draws` in --json); exit "
              << kExitInterrupted << "\n";
    result.exit_code = kExitInterrupted;
  }
}
}  // namespace

void register_straggler_command(CLI::App& app, CommandResult& result) {
  auto args = std::make_shared<StragglerArgs>();
  auto* cmd = app.add_subcommand(
      "straggler",
      "The straggler penalty of expert parallelism: decode step time with each step's routing drawn (the busiest\n"
      "rank sets the pace) against the closed form's even split, over EP degree, batch and routing skew, with the\n"
      "busiest rank's load beside its normal-limit expectation. Default model deepseek-v3.\n"
      "Example: infersim straggler --hw h200 --weights fp8 --ep 8,32,64 --batch 256,4096 --routing uniform,zipf:1.2");
  add_scenario_options(cmd, args->scenario);
  // The study needs routed experts: its default model is an MoE one (an explicit --model is kept).
  args->scenario.model = "deepseek-v3";
  cmd->get_option("--model")->default_str(args->scenario.model);
  cmd->remove_option(cmd->get_option("--batch"));
  cmd->remove_option(cmd->get_option("--ep"));
  cmd->remove_option(cmd->get_option("--dp"));
  cmd->add_option("--ep", args->study.eps, "Expert-parallel degrees (list); chips = ep unless --chips is given")
      ->delimiter(',')->capture_default_str()->check(CLI::Range(1LL, 4096LL));
  cmd->add_option("--batch", args->study.batches, "Sequences per decode step of a replica (list)")
      ->delimiter(',')->capture_default_str()->check(CLI::Range(1LL, 1000000LL));
  cmd->add_option("--routing", args->study.skews, "Routing skews (list): uniform, zipf:<s>, or a popularity file")
      ->delimiter(',')->capture_default_str();
  cmd->add_option("--draws", args->study.draws, "Routing draws per point")->capture_default_str()->check(
      CLI::Range(1LL, 100000LL));
  cmd->add_option("--seed", args->study.seed, "Random seed (same seed, same result)")->capture_default_str();
  add_output_options(cmd, args->output, formats::json | formats::csv,
                     {"the study's settings and every point", "one row per EP degree x batch x routing", "", ""});
  cmd->callback([args, &result] { run_straggler(*args, result); });
}

}  // namespace infersim::cli
