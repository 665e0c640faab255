// libFuzzer target: the JSON descriptor readers (hardware, model, workload). The input is tried as
// each of the three: the "schema" field sends a real descriptor deep into one reader and stops the
// other two at their first check. Bad input must end as an InputError (exit 2 in the command);
// anything else escaping, a crash, a hang or a sanitizer report is a finding.
#include <cstddef>
#include <cstdint>

#include "descriptors/hardware.hpp"
#include "descriptors/input_error.hpp"
#include "descriptors/model.hpp"
#include "fuzz_input.hpp"
#include "serving/workload.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = infersim::fuzz::scratch_path(".json");
  infersim::fuzz::write_scratch(path, data, size);
  try {
    (void)infersim::load_hardware_file(path);
  } catch (const infersim::InputError&) {
  }
  try {
    (void)infersim::load_model_file(path);
  } catch (const infersim::InputError&) {
  }
  try {
    infersim::WorkloadSpec w = infersim::load_workload_file(path);
    // The distributions must be usable as read: draw a few lengths and arrivals.
    infersim::RequestSource source(w, std::min<long long>(w.requests, 16), 1);
    while (source.has_next()) {
      const infersim::Arrival a = source.pop();
      source.on_finish(a.user, a.time_s);
    }
    (void)w.prompt.mean_tokens();
  } catch (const infersim::InputError&) {
  }
  return 0;
}
