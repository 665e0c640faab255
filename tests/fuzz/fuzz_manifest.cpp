// libFuzzer target: the manifest reader of `report --verify` (report/manifest.hpp read_manifest,
// schema infersim-manifest/1: typed fields, output paths confined to the report's folder). A
// manifest that reads must name only confined outputs, as verify_report compares them inside the
// report's folder. Bad input must end as an InputError naming the file and the JSON pointer.
#include <cstddef>
#include <cstdint>

#include "descriptors/input_error.hpp"
#include "fuzz_input.hpp"
#include "report/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = infersim::fuzz::scratch_path(".json");
  infersim::fuzz::write_scratch(path, data, size);
  try {
    const infersim::report::Manifest m = infersim::report::read_manifest(path);
    for (const auto& f : m.outputs)
      if (f.path.empty() || f.path.front() == '/' || ("/" + f.path + "/").find("/../") != std::string::npos)
        __builtin_trap();  // an output outside the report's folder got through
  } catch (const infersim::InputError&) {
  }
  return 0;
}
