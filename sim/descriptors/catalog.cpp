#include "descriptors/catalog.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "descriptors/input_error.hpp"
#include "version/version.hpp"

namespace infersim {

namespace fs = std::filesystem;

namespace {
// A folder holds infersim's data when it has the descriptor folders.
bool holds_data(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir / "hardware", ec) && fs::is_directory(dir / "models", ec);
}

struct Found {
  std::string dir, origin;
};

Found find_data_dir() {
  if (const char* env = std::getenv("INFERSIM_DATA_DIR"); env && *env) return {env, "INFERSIM_DATA_DIR"};
  // Next to the running binary: an installed tree (<prefix>/bin/infersim, <prefix>/share/infersim)
  // or a checkout's build folder (<checkout>/build/infersim, <checkout>/build/tests/...), so that a
  // copied or moved checkout reads its own descriptors, not those of the tree it was built in.
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path bin = exe.parent_path();
    const std::pair<fs::path, const char*> candidates[] = {{bin / ".." / "share" / "infersim", "installed next to the binary"},
                                                           {bin / "..", "the checkout around the binary"},
                                                           {bin / ".." / "..", "the checkout around the binary"}};
    for (const auto& [candidate, origin] : candidates)
      if (holds_data(candidate)) return {fs::weakly_canonical(candidate, ec).string(), origin};
  }
  return {source_dir(), "the source tree it was built from"};
}

const Found& found() {
  static const Found f = find_data_dir();  // fixed for the process: every lookup agrees
  return f;
}
}  // namespace

std::string data_dir() { return found().dir; }

std::string data_dir_origin() { return found().origin; }

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
