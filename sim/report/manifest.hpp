// Contract: the manifest.json of a report (schema infersim-manifest/1), as `report --verify` reads
// it. A manifest is user input (a published report may come from anyone): read_manifest uses the
// checked reader and typed access, and anything malformed is an InputError naming the file and the
// JSON pointer (exit 2). Output paths stay inside the report's folder (no leading '/', no '..').
#pragma once

#include <string>
#include <vector>

namespace infersim::report {

struct ManifestFile {
  std::string path, sha256;
};
struct Manifest {
  std::string git_commit, suite;
  std::string git_commit_full;  // all 40 hex digits; "" when the manifest predates the field
  bool git_dirty = false;       // the building tree had uncommitted changes
  std::string figure_tool_versions;  // "" when the manifest predates the field
  bool figures = true;
  std::vector<std::string> command_line;
  std::vector<ManifestFile> inputs, outputs;
};

Manifest read_manifest(const std::string& path);

}  // namespace infersim::report
