// Internal: the HTML page (figures passed in as base64 SVG, keyed by figure id).
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace infersim::report {
std::string results_html(const nlohmann::json& results, const std::map<std::string, std::string>& figure_svgs_base64);
}
