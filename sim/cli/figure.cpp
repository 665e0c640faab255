#include "cli/figure.hpp"

#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "descriptors/catalog.hpp"
#include "descriptors/input_error.hpp"
#include "format/format.hpp"
#include "report/util.hpp"

namespace infersim::cli {

namespace {
constexpr const char* kPython = "/usr/bin/python3";  // Debian's, with matplotlib (scripts/install-deps.sh)
}

void draw_figure(const std::string& script, const std::string& figure, const nlohmann::json& data,
                 const std::vector<std::string>& also) {
  const std::string ext = std::filesystem::path(figure).extension().string();
  if (ext != ".png" && ext != ".svg") throw InputError("--plot", figure, "expected a file name ending in .png or .svg");
  for (const auto& f : also)
    if (std::error_code ec; !std::filesystem::is_regular_file(f, ec))
      throw InputError(f, "(file)", "no such file (a JSON result to draw with --plot)");
  const std::string tmp = figure + ".data-" + std::to_string(::getpid()) + ".json";
  write_file_atomically(tmp, data.dump(1) + "\n");
  std::vector<std::string> argv = {kPython, data_dir() + "/scripts/" + script, figure, tmp};
  argv.insert(argv.end(), also.begin(), also.end());
  const int rc = report::run_process(argv, "", false);
  std::error_code ec;
  std::filesystem::remove(tmp, ec);
  if (rc != 0)
    throw std::runtime_error("--plot " + figure + ": scripts/" + script + " failed (exit " + std::to_string(rc) +
                             "; it needs /usr/bin/python3 with matplotlib: scripts/install-deps.sh)");
}

}  // namespace infersim::cli
