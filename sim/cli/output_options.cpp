#include "cli/output_options.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

#include "descriptors/input_error.hpp"
#include "format/format.hpp"

namespace infersim::cli {

void OutputOptions::choose(Format f, const std::string& flag) {
  if (format != Format::text && format != f)
    throw InputError(chosen_flag + ", " + flag, "(output options)",
                     "exclusive: give at most one of " + join_alternatives(offered) +
                         " (without any, the command prints text)");
  format = f;
  chosen_flag = flag;
}

void add_output_options(CLI::App* cmd, OutputOptions& options, unsigned offered, const OutputHelp& help) {
  auto detail = [](const std::string& what) { return what.empty() ? std::string() : ": " + what; };
  // A flag's callback runs while the command line is parsed (whatever the flags' order), so two
  // forms are refused before the command does any work.
  auto add = [&](unsigned bit, Format f, const std::string& flag, const std::string& description) {
    if (!(offered & bit)) return;
    options.offered.push_back(flag);
    cmd->add_flag_callback(flag, [&options, f, flag] { options.choose(f, flag); }, description)->group("Output");
  };
  add(formats::json, Format::json, "--json", "Print JSON instead of text" + detail(help.json));
  add(formats::csv, Format::csv, "--csv",
      "Print CSV instead of text: a header line, then " + (help.csv.empty() ? "the rows" : help.csv));
  add(formats::dot, Format::dot, "--dot", "Print Graphviz DOT instead of text" + detail(help.dot));
  add(formats::markdown, Format::markdown, "--markdown", "Print Markdown instead of text" + detail(help.markdown));
  cmd->add_option("--out", options.out,
                  "Write what would be printed to FILE instead of standard output, atomically (the whole file or, "
                  "on a failure, the old one untouched)")
      ->type_name("FILE")
      ->group("Output");
}

void emit(const OutputOptions& options, const std::string& text) {
  if (options.out.empty()) {
    std::cout << text << std::flush;
    return;
  }
  write_file_atomically(options.out, text);  // exit 3 naming the path; never a half-written file
}

}  // namespace infersim::cli
