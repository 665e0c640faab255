// Contract: finding descriptors by bundled id or by path.
//
// `--hw h100-sxm` names hardware/h100-sxm.json in the data directory; `--hw ./my-chip.json` (anything
// containing '/' or ending in .json) is a user's own file. The data directory is $INFERSIM_DATA_DIR if
// set, else the source tree the binary was built from. An unknown id lists the bundled ones.
#pragma once

#include <string>
#include <vector>

#include "descriptors/hardware.hpp"
#include "descriptors/model.hpp"

namespace infersim {

std::string data_dir();
// Ids of the bundled descriptors in <data_dir>/<kind> ("hardware", "models", "workloads"), sorted.
std::vector<std::string> bundled_ids(const std::string& kind);
// The file a `--hw`/`--model`/`--workload` argument names; throws InputError for an unknown id.
std::string resolve_descriptor(const std::string& kind, const std::string& id_or_path);

Hardware load_hardware(const std::string& id_or_path);
Model load_model(const std::string& id_or_path);

}  // namespace infersim
