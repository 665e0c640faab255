// libFuzzer target: the strict CSV readers of serving/workload.hpp, the trace-replay CSV
// (arrival_s,prompt_tokens,output_tokens) and the length histogram (tokens,weight). The header
// sends an input deep into one of them. Bad input must end as an InputError naming the line.
#include <cstddef>
#include <cstdint>

#include "descriptors/input_error.hpp"
#include "fuzz_input.hpp"
#include "serving/workload.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = infersim::fuzz::scratch_path(".csv");
  infersim::fuzz::write_scratch(path, data, size);
  try {
    (void)infersim::read_trace_csv(path);
  } catch (const infersim::InputError&) {
  }
  try {
    infersim::LengthDistribution d = infersim::read_histogram_csv(path);
    infersim::Rng rng(1);
    for (int i = 0; i < 4; ++i) (void)d.sample(rng);
    (void)d.mean_tokens();
  } catch (const infersim::InputError&) {
  }
  return 0;
}
