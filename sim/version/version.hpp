// Contract: the version and the git commit the running binary was built from (stamped into every
// result and manifest). The commit ends in "-dirty" when the tree had uncommitted changes.
#pragma once

namespace infersim {
const char* version();
const char* build_commit();
const char* build_commit_full();  // all 40 hex digits, without the suffix ("unknown" outside git)
bool build_dirty();               // the tree had uncommitted changes to tracked files
// The source tree the binary was built from: the default data directory (descriptors, registry).
const char* source_dir();
}  // namespace infersim
