#include "report/manifest.hpp"

#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"

namespace infersim::report {

using nlohmann::json;

// A manifest is user input (a published report may come from anyone): the checked reader, typed
// access, InputError with the file and JSON pointer (exit 2) for anything malformed.
Manifest read_manifest(const std::string& path) {
  const json doc = read_json_file(path);
  ObjectReader r(doc, path, "");
  Manifest m;
  if (r.require_string("schema") != "infersim-manifest/1")
    r.fail("schema", "expected \"infersim-manifest/1\" (is this an infersim manifest.json?)");
  r.allow({"name", "suite", "seeds", "calibration", "validation", "wall_time_s", "wall_time_note"});
  if (doc.contains("tools")) {
    ObjectReader tools = r.object("tools");
    tools.allow({"figures", "figures_status"});
    if (tools.has("figure_tool_versions")) m.figure_tool_versions = tools.require_string("figure_tool_versions");
    tools.finish();
  }
  ObjectReader build = r.object("build");
  build.allow({"infersim_version"});
  m.git_commit = build.require_string("git_commit");
  if (build.has("git_commit_full")) m.git_commit_full = build.require_string("git_commit_full");  // absent before 0.1.0's
  if (build.has("git_dirty")) m.git_dirty = build.require_bool("git_dirty");                       // December 2026 builds
  build.finish();
  ObjectReader options = r.object("options");
  options.allow({"name"});
  m.suite = options.require_string("suite");
  m.figures = options.require_bool("figures");
  options.finish();
  m.command_line = r.string_array("command_line");
  auto files = [&](const std::string& key, bool outputs) {
    std::vector<ManifestFile> out;
    for (ObjectReader& f : r.array_of_objects(key, outputs)) {
      ManifestFile x{f.require_string("path"), f.require_string("sha256")};
      // Outputs are compared inside the report's folder: no absolute path, no "..".
      if (x.path.empty()) f.fail("path", "expected a file name, found an empty string");
      if (outputs && (x.path.front() == '/' || ("/" + x.path + "/").find("/../") != std::string::npos))
        f.fail("path", "an output path must stay inside the report's folder (no '/' at the start, no '..')");
      f.finish();
      out.push_back(x);
    }
    return out;
  };
  m.inputs = files("inputs", false);
  m.outputs = files("outputs", true);
  r.finish();
  return m;
}

}  // namespace infersim::report
