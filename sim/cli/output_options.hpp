// Contract: the output options, named once and shared by every command that prints a result.
//
//   --json        the result as JSON instead of text
//   --csv         the result as CSV (a header line, then rows), offered only where the result is a table
//   --dot, --markdown   other forms, offered by the commands that have them (registry graph, quantify)
//   --out FILE    what would go to standard output goes to FILE instead, atomically (the whole file
//                 or, on a failure, the old one left as it was: exit 3 naming the path)
//
// Giving two forms (--json --csv) is bad input: one InputError with the same wording on every command
// ("--json, --csv: (output options): exclusive: ..."), exit code 2, raised while the command line
// is parsed, before anything runs. A form a command does not offer is not registered, so CLI11
// rejects it (exit 2) instead of ignoring it.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace infersim::cli {

enum class Format { text, json, csv, dot, markdown };

// The forms a command offers besides text (a bit set).
namespace formats {
constexpr unsigned json = 1u << 0;
constexpr unsigned csv = 1u << 1;
constexpr unsigned dot = 1u << 2;
constexpr unsigned markdown = 1u << 3;
}  // namespace formats

struct OutputOptions {
  Format format = Format::text;
  std::string out;  // "" = standard output

  bool json() const { return format == Format::json; }
  bool csv() const { return format == Format::csv; }
  bool text() const { return format == Format::text; }
  // Selects a form; InputError naming both options when another form was selected already. `flag`
  // is how the user asked for it ("--json", "--format dot").
  void choose(Format f, const std::string& flag);

  std::vector<std::string> offered;  // the form flags registered, for the error message
  std::string chosen_flag;
};

// What each form holds, for the help text ("" = the generic wording alone).
struct OutputHelp {
  std::string json;      // e.g. "schema infersim-compare/1; field names carry units"
  std::string csv;       // what a row is, e.g. "one row per hardware x model"
  std::string dot;
  std::string markdown;
};

// Registers the offered forms' flags and --out on `cmd`, writing into `options` (which must outlive
// the parse).
void add_output_options(CLI::App* cmd, OutputOptions& options, unsigned offered, const OutputHelp& help = {});

// Writes `text` to standard output, or atomically to options.out (std::runtime_error naming the
// path on failure: exit 3).
void emit(const OutputOptions& options, const std::string& text);

}  // namespace infersim::cli
