// Contract: figures drawn by a script of scripts/ (Debian's /usr/bin/python3 with matplotlib) from
// JSON results only. draw_figure() checks the name (.png or .svg: InputError, exit 2), writes the
// result beside the figure under a temporary name, runs `python3 scripts/<script> OUT data.json
// [also...]` (the script writes OUT under a temporary name and renames it) and removes the data
// file; a script that fails is an output error (std::runtime_error, exit 3).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace infersim::cli {

void draw_figure(const std::string& script, const std::string& figure, const nlohmann::json& data,
                 const std::vector<std::string>& also = {});

}  // namespace infersim::cli
