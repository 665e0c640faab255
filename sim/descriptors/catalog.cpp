#include "descriptors/catalog.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "descriptors/input_error.hpp"
#include "version/version.hpp"

namespace infersim {

namespace fs = std::filesystem;

std::string data_dir() {
  const char* env = std::getenv("INFERSIM_DATA_DIR");
  return env && *env ? std::string(env) : std::string(source_dir());
}

std::vector<std::string> bundled_ids(const std::string& kind) {
  std::vector<std::string> ids;
  fs::path dir = fs::path(data_dir()) / kind;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") ids.push_back(entry.path().stem().string());
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string resolve_descriptor(const std::string& kind, const std::string& id_or_path) {
  const bool looks_like_path = id_or_path.find('/') != std::string::npos ||
                               (id_or_path.size() > 5 && id_or_path.substr(id_or_path.size() - 5) == ".json");
  if (looks_like_path) {
    std::error_code ec;  // a symlink loop or an unreadable folder is bad input (exit 2), not a filesystem_error
    if (!fs::exists(id_or_path, ec))
      throw InputError(id_or_path, "(file)", ec ? "cannot read it: " + ec.message() : "no such file");
    return id_or_path;
  }
  fs::path bundled = fs::path(data_dir()) / kind / (id_or_path + ".json");
  if (fs::exists(bundled)) return bundled.string();
  auto ids = bundled_ids(kind);
  std::string hint = closest_match(id_or_path, ids);
  throw InputError("--" + std::string(kind == "hardware" ? "hw" : kind == "models" ? "model" : "workload"),
                   id_or_path,
                   "unknown " + kind + " id" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                       "; bundled ids: " + join_alternatives(ids) + "; or give the path of a JSON file");
}

Hardware load_hardware(const std::string& id_or_path) {
  return load_hardware_file(resolve_descriptor("hardware", id_or_path));
}

Model load_model(const std::string& id_or_path) { return load_model_file(resolve_descriptor("models", id_or_path)); }

}  // namespace infersim
