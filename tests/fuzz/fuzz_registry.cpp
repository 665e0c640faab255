// libFuzzer target: the registry reader (YAML front matter + Markdown body, registry/entry.hpp) and
// the linter that runs on what it reads (schema rules, stale rule). Malformed entries must end as an
// InputError or as lint violations; anything else escaping, a crash, a hang or a sanitizer report is
// a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "descriptors/input_error.hpp"
#include "registry/entry.hpp"
#include "registry/lint.hpp"
#include "registry/schema.hpp"

#ifndef INFERSIM_SOURCE_DIR
#error "INFERSIM_SOURCE_DIR must name the source tree (for registry/schema.json)"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace r = infersim::registry;
  static const r::Schema schema = r::load_schema(std::string(INFERSIM_SOURCE_DIR) + "/registry/schema.json");
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    r::Entry e = r::parse_entry(text, "B1.md");
    r::LintOptions options;
    options.today = r::Date{2026, 11, 21};
    options.today_for_stale = options.today;
    (void)r::lint_entry(e, schema, options);
    std::vector<r::Entry> all{e};
    (void)r::lint_across(all);
    (void)r::stale_entries(all, options.today);
  } catch (const infersim::InputError&) {
  }
  return 0;
}
