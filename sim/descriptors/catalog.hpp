// Contract: finding descriptors by bundled id or by path.
//
// `--hw h100-sxm` names hardware/h100-sxm.json in the data directory; `--hw ./my-chip.json` (anything
// containing '/' or ending in .json) is a user's own file. An unknown id lists the bundled ones.
//
// The data directory (descriptors, calibrations, registry, audit claims, report suites and the
// figure script), the first of:
//   1. $INFERSIM_DATA_DIR, when set and not empty;
//   2. next to the running binary: <bin>/../share/infersim (an installed tree: cmake --install),
//      else <bin>/.. or <bin>/../.. (a checkout's build folder), the first that has hardware/ and
//      models/ - so a copied or moved checkout reads its own files;
//   3. the source tree the binary was built from.
// Resolved once per process.
#pragma once

#include <string>
#include <vector>

#include "descriptors/hardware.hpp"
#include "descriptors/model.hpp"

namespace infersim {

std::string data_dir();
// Which of the three rules above found it, in words (`infersim --version` prints it).
std::string data_dir_origin();
// Ids of the bundled descriptors in <data_dir>/<kind> ("hardware", "models", "workloads"), sorted.
std::vector<std::string> bundled_ids(const std::string& kind);
// The file a `--hw`/`--model`/`--workload` argument names; throws InputError for an unknown id.
std::string resolve_descriptor(const std::string& kind, const std::string& id_or_path);

Hardware load_hardware(const std::string& id_or_path);
Model load_model(const std::string& id_or_path);

}  // namespace infersim
