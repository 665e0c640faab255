#include "sweep/sweep.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <signal.h>
#include <sys/wait.h>
#include <thread>

#include <H5Cpp.h>

#include "descriptors/input_error.hpp"
#include "descriptors/json_reader.hpp"
#include "format/format.hpp"
#include "interrupt/interrupt.hpp"
#include "format/progress.hpp"
#include "report/util.hpp"

namespace infersim::sweep {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
std::string value_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string point_name(long long i) {
  char b[32];
  std::snprintf(b, sizeof b, "%07lld", i);
  return b;
}

// A point counts as finished only when its file is a whole result that does not say it is partial:
// a `simulate` child stopped by the sweep's SIGTERM still writes a whole document, marked
// "complete": false, and a resumed sweep must run that point again (so must merge refuse it).
bool point_finished(const std::string& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return false;
  json result;
  try {
    result = read_json_file(file);
  } catch (const InputError&) {
    return false;  // cut or corrupted: not finished
  }
  const std::vector<json> parts = result.is_array() ? result.get<std::vector<json>>() : std::vector<json>{result};
  for (const auto& part : parts)
    if (!part.is_object() || (part.contains("complete") && part["complete"] != true)) return false;
  return !parts.empty();
}

// Scalars of a result, nested objects flattened as "a.b"; arrays are left out of the table. A
// point file is read from a folder that may come from anyone: an empty field name (no column can
// carry it, and HDF5 refuses it) is an error naming the file and the JSON pointer.
void flatten(const json& j, const std::string& prefix, const std::string& file, const std::string& pointer,
             std::vector<std::pair<std::string, json>>& out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key().empty())
      throw InputError(file, pointer + "/", "an empty field name; a result's fields are named (they become column names)");
    const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object()) flatten(*it, key, file, pointer + "/" + it.key(), out);
    else if (!it->is_array()) out.emplace_back(key, *it);
  }
}

std::string csv_value(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return csv_escape(v.get<std::string>());
  return v.dump();
}

// The merged table as the bytes of an HDF5 file (built in memory); every HDF5 failure is a
// runtime_error naming `path`, before anything is written.
std::string hdf5_image(const std::string& path, const std::vector<std::string>& columns, const std::vector<json>& rows) {
  // Numbers and booleans as float64, everything else as a fixed-length string sized to its longest value.
  std::vector<bool> numeric(columns.size(), true);
  std::vector<size_t> width(columns.size(), 1);
  for (const auto& r : rows)
    for (size_t c = 0; c < columns.size(); ++c) {
      const json& v = r.contains(columns[c]) ? r[columns[c]] : json();
      if (v.is_string()) numeric[c] = false;
      width[c] = std::max(width[c], v.is_string() ? v.get<std::string>().size() : v.dump().size());
    }
  std::vector<size_t> offset(columns.size());
  size_t size = 0;
  for (size_t c = 0; c < columns.size(); ++c) {
    offset[c] = size;
    size += numeric[c] ? sizeof(double) : width[c];
  }
  std::vector<char> buffer(std::max<size_t>(size, 1) * std::max<size_t>(rows.size(), 1), '\0');
  for (size_t r = 0; r < rows.size(); ++r)
    for (size_t c = 0; c < columns.size(); ++c) {
      char* at = buffer.data() + r * size + offset[c];
      const json& v = rows[r].contains(columns[c]) ? rows[r][columns[c]] : json();
      if (numeric[c]) {
        double d = v.is_number() ? v.get<double>() : v.is_boolean() ? (v.get<bool>() ? 1.0 : 0.0) : std::nan("");
        std::memcpy(at, &d, sizeof d);
      } else {
        const std::string s = v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
        std::memcpy(at, s.data(), std::min(s.size(), width[c]));
      }
    }
  // Built in memory (HDF5's core driver, no backing file), then handed to the one atomic writer:
  // every byte reaches the disk through checked write/fsync/close/rename, so a disk that fills up
  // is exit 3 with nothing installed, never a merged.h5 of zeros (HDF5's own file close only prints).
  H5::Exception::dontPrint();
  std::vector<char> image;
  try {
    // H5::Exception is not a std::exception: every HDF5 call stays inside this block.
    H5::CompType type(std::max<size_t>(size, 1));
    for (size_t c = 0; c < columns.size(); ++c) {
      if (numeric[c]) type.insertMember(columns[c], offset[c], H5::PredType::NATIVE_DOUBLE);
      else type.insertMember(columns[c], offset[c], H5::StrType(H5::PredType::C_S1, width[c]));
    }
    H5::FileAccPropList fapl;
    fapl.setCore(1 << 20, false);
    H5::H5File file("merged-in-memory.h5", H5F_ACC_TRUNC, H5::FileCreatPropList::DEFAULT, fapl);
    {
      hsize_t dims[1] = {static_cast<hsize_t>(rows.size())};
      H5::DataSpace space(1, dims);
      H5::DSetCreatPropList plist;
      H5Pset_obj_track_times(plist.getId(), false);  // no timestamps: same points, same file
      H5::DataSet ds = file.createDataSet("points", type, space, plist);
      if (!rows.empty()) ds.write(buffer.data(), type);
      ds.close();
    }
    file.flush(H5F_SCOPE_GLOBAL);
    const ssize_t n = H5Fget_file_image(file.getId(), nullptr, 0);
    if (n <= 0) throw std::runtime_error("writing '" + path + "' failed: HDF5 could not build the file image");
    image.resize(static_cast<size_t>(n));
    if (H5Fget_file_image(file.getId(), image.data(), image.size()) != n)
      throw std::runtime_error("writing '" + path + "' failed: HDF5 could not copy the file image");
    file.close();
  } catch (const H5::Exception& e) {
    throw std::runtime_error("writing '" + path + "' failed: HDF5: " + e.getDetailMsg());
  }
  return std::string(image.begin(), image.end());
}
}  // namespace

long long Grid::size() const {
  long long n = 1;
  for (const auto& a : axes) n *= static_cast<long long>(a.values.size());
  return n;
}

std::vector<std::pair<std::string, std::string>> Grid::point(long long index) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : fixed) out.emplace_back(k, value_text(v));
  std::vector<std::pair<std::string, std::string>> ax(axes.size());
  for (size_t a = axes.size(); a-- > 0;) {
    const long long n = static_cast<long long>(axes[a].values.size());
    ax[a] = {axes[a].name, value_text(axes[a].values[static_cast<size_t>(index % n)])};
    index /= n;
  }
  out.insert(out.end(), ax.begin(), ax.end());
  return out;
}

namespace {
// Options the sweep sets itself (--json, --out: the point's file) or that name an output file: a grid
// from someone else must not make a point write anywhere but its own point file.
const std::vector<std::string> kReservedOptions = {"json", "out", "trace", "records"};

void check_option(const std::string& file, const std::string& pointer, const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64 && name[0] != '-';
  for (char c : name) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  if (!ok)
    throw InputError(file, pointer, "'" + name + "' is not an option name (lower-case letters, digits and '-', "
                                    "without the leading dashes, e.g. \"batch\")");
  for (const auto& r : kReservedOptions)
    if (name == r)
      throw InputError(file, pointer, "--" + name + (name == "json" || name == "out" ? " is set by the sweep itself"
                                                                                    : " names an output file")
                                          + "; a grid may not set " + join_alternatives(kReservedOptions));
}

void check_value(const std::string& file, const std::string& pointer, const json& v) {
  if (!v.is_string() && !v.is_number() && !v.is_boolean())
    throw InputError(file, pointer, "expected a string, number or boolean option value, found " + json_type_name(v));
}
}  // namespace

Grid load_grid(const std::string& path) {
  const json j = read_json_file(path);
  ObjectReader r(j, path, "");
  Grid g;
  g.file = path;
  if (r.require_string("schema") != "infersim-sweep/1") r.fail("schema", "expected \"infersim-sweep/1\"");
  g.id = r.string_or("id", fs::path(path).stem().string());
  require_safe_name(path, "/id", g.id);  // the default sweep folder is sweeps/<id>
  (void)r.string_or("description", "");
  g.command = r.enum_or("command", {"project", "serve", "simulate"}, "project");
  r.allow({"fixed"});
  if (r.has("fixed")) {
    const json& fixed = j["fixed"];
    if (!fixed.is_object()) r.fail("fixed", "expected an object of option: value, found " + json_type_name(fixed));
    for (auto it = fixed.begin(); it != fixed.end(); ++it) {
      check_option(path, "/fixed/" + it.key(), it.key());
      check_value(path, "/fixed/" + it.key(), it.value());
      g.fixed.emplace_back(it.key(), it.value());
    }
  }
  std::vector<ObjectReader> axes = r.array_of_objects("axes");
  long long points = 1;
  for (size_t i = 0; i < axes.size(); ++i) {
    ObjectReader& a = axes[i];
    const std::string name = a.require_string("name");
    check_option(path, a.pointer_of("name"), name);
    a.allow({"values"});
    const json& values = j["axes"][i].contains("values") ? j["axes"][i]["values"] : json();
    if (!values.is_array() || values.empty())
      a.fail("values", "expected a non-empty array of option values, found " + json_type_name(values));
    for (size_t v = 0; v < values.size(); ++v) check_value(path, a.pointer_of("values") + "/" + std::to_string(v), values[v]);
    a.finish();
    // Documented cap: one child process per point; the product is checked as it grows, so it
    // cannot overflow.
    if (points > kMaxGridPoints / static_cast<long long>(values.size()))
      a.fail("values", "the grid would have more than " + std::to_string(kMaxGridPoints) +
                           " points (a documented cap: one process per point)");
    points *= static_cast<long long>(values.size());
    g.axes.push_back({name, values.get<std::vector<json>>()});
  }
  r.finish();
  return g;
}

SweepOutcome run_sweep(const SweepRequest& rq) {
  install_stop_handlers();
  const Grid g = load_grid(rq.grid);
  SweepOutcome o;
  o.dir = rq.out_dir.empty() ? "sweeps/" + g.id : rq.out_dir;
  fs::create_directories(o.dir + "/points");
  fs::create_directories(o.dir + "/logs");
  // The grid is part of the directory: a resumed or sharded run must be the same grid.
  const std::string grid_text = read_input_file(rq.grid);
  const std::string stored = o.dir + "/grid.json";
  if (fs::exists(stored)) {
    if (read_input_file(stored) != grid_text)
      throw InputError(rq.grid, "", o.dir + " holds a different grid (" + stored + "); use another --out-dir");
  } else {
    write_file_atomically(stored, grid_text);
  }
  // Leftovers of children killed mid-write ("<point>.json.tmp-<pid>"), of this shard's points only:
  // the other shards of a job array run at the same time in the same folder, and their children's
  // temporary files are writes in progress, not leftovers.
  auto in_this_shard = [&](const std::string& name) {
    const auto dot = name.find('.');
    // At most 18 digits: a longer run (a stray file) is no point of this grid, and would overflow stoll.
    if (dot == 0 || dot == std::string::npos || dot > 18 || name.find_first_not_of("0123456789") != dot) return false;
    const long long idx = std::stoll(name.substr(0, dot));
    return idx % rq.shard_count == rq.shard_index;
  };
  for (const auto& e : fs::directory_iterator(o.dir + "/points")) {
    const std::string name = e.path().filename().string();
    if (name.find(".tmp-") != std::string::npos && in_this_shard(name)) fs::remove(e.path());
  }

  o.total = g.size();
  std::vector<long long> todo;
  for (long long i = rq.shard_index; i < o.total; i += rq.shard_count) {
    ++o.in_shard;
    const std::string file = o.dir + "/points/" + point_name(i) + ".json";
    if (point_finished(file)) {
      ++o.skipped;
    } else {
      fs::remove(file);  // partial ("complete": false) or cut: run it again
      todo.push_back(i);
    }
  }
  const int jobs = rq.jobs > 0 ? rq.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  Progress bar("points", o.in_shard, rq.progress);
  bar.set(o.skipped);
  std::map<long, long long> running;
  size_t next = 0;
  auto reap = [&](bool block) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, block ? 0 : WNOHANG);
    if (pid <= 0) return false;
    auto it = running.find(pid);
    if (it == running.end()) return true;
    const long long idx = it->second;
    running.erase(it);
    const std::string file = o.dir + "/points/" + point_name(idx) + ".json";
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && point_finished(file);
    if (ok) ++o.ran;
    else fs::remove(file);  // an interrupted child's partial result is not a finished point
    if (!ok && !stop_requested()) {
      ++o.failed;
      o.failures.push_back(std::to_string(idx) + ": " + o.dir + "/logs/" + point_name(idx) + ".err");
    }
    bar.set(o.skipped + o.ran + o.failed);
    return true;
  };
  while ((next < todo.size() || !running.empty())) {
    if (stop_requested()) {
      for (const auto& [pid, idx] : running) kill(static_cast<pid_t>(pid), SIGTERM);
      while (!running.empty()) reap(true);
      break;
    }
    if (next < todo.size() && static_cast<int>(running.size()) < jobs) {
      const long long idx = todo[next++];
      std::vector<std::string> argv = {rq.binary, g.command};
      // One argument per option ("--name=value"): a value can never be read as another option.
      for (const auto& [k, v] : g.point(idx)) argv.push_back("--" + k + "=" + v);
      argv.push_back("--json");
      argv.push_back("--out");
      argv.push_back(o.dir + "/points/" + point_name(idx) + ".json");
      // stdout (the same JSON) is dropped; stderr goes to the point's log via a shell-free redirect.
      const std::string log = o.dir + "/logs/" + point_name(idx) + ".err";
      std::fflush(nullptr);
      const pid_t pid = fork();
      if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        std::FILE* devnull = std::freopen("/dev/null", "w", stdout);
        std::FILE* err = std::freopen(log.c_str(), "w", stderr);
        (void)devnull;
        (void)err;
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
      }
      if (pid > 0) running[pid] = idx;
      else { ++o.failed; o.failures.push_back(std::to_string(idx) + ": fork failed"); }
      continue;
    }
    reap(true);
  }
  bar.finish();
  // Keep only the logs that say something, of the points this run started (another shard's point
  // may still be writing to its own).
  for (long long idx : todo) {
    const std::string log = o.dir + "/logs/" + point_name(idx) + ".err";
    std::error_code ec;
    if (fs::exists(log, ec) && fs::is_empty(log, ec)) fs::remove(log, ec);
  }
  o.interrupted = stop_requested();
  if (!o.interrupted && o.failed == 0 && rq.shard_count == 1) o.merged = merge(o.dir).complete;
  return o;
}

MergeOutcome merge(const std::string& dir) {
  MergeOutcome m;
  const Grid g = load_grid(dir + "/grid.json");
  std::vector<json> rows;
  std::vector<std::string> columns = {"point"};
  std::set<std::string> known = {"point"};
  for (const auto& a : g.axes)
    if (known.insert("axis." + a.name).second) columns.push_back("axis." + a.name);
  for (long long i = 0; i < g.size(); ++i) {
    const std::string p = dir + "/points/" + point_name(i) + ".json";
    if (!point_finished(p)) {
      (fs::exists(p) ? m.incomplete : m.missing).push_back(i);
      continue;
    }
    json result = read_json_file(p);
    const std::vector<json> parts = result.is_array() ? result.get<std::vector<json>>() : std::vector<json>{result};
    const auto args = g.point(i);
    for (size_t k = 0; k < parts.size(); ++k) {
      const json& part = parts[k];
      json row;
      row["point"] = i;
      for (const auto& a : g.axes)
        for (const auto& [k, v] : args)
          if (k == a.name) row["axis." + a.name] = v;
      std::vector<std::pair<std::string, json>> flat;
      flatten(part, "", p, parts.size() > 1 ? "/" + std::to_string(k) : "", flat);
      for (const auto& [k, v] : flat) {
        if (known.insert(k).second) columns.push_back(k);
        row[k] = v;
      }
      rows.push_back(row);
    }
  }
  m.points = g.size() - static_cast<long long>(m.missing.size() + m.incomplete.size());
  if (!m.missing.empty() || !m.incomplete.empty()) return m;
  std::string csv;
  for (size_t c = 0; c < columns.size(); ++c) csv += (c ? "," : "") + csv_escape(columns[c]);
  csv += "\n";
  json out_rows = json::array();
  for (const auto& r : rows) {
    json ordered = json::array();
    for (size_t c = 0; c < columns.size(); ++c) {
      const json v = r.contains(columns[c]) ? r[columns[c]] : json();
      csv += (c ? "," : "") + csv_value(v);
      ordered.push_back(v);
    }
    csv += "\n";
    out_rows.push_back(ordered);
  }
  json doc = {{"schema", "infersim-sweep-merged/1"},
              {"grid", g.id},
              {"grid_sha256", report::sha256_hex(read_input_file(dir + "/grid.json"))},
              {"points", g.size()},
              {"columns", columns},
              {"rows", out_rows}};  // copied: m.rows takes it once the files are installed
  // All three built before any is installed: a table HDF5 cannot hold leaves none of them.
  const std::string h5 = hdf5_image(dir + "/merged.h5", columns, rows);
  write_file_atomically(dir + "/merged.csv", csv);
  write_file_atomically(dir + "/merged.json", doc.dump(1) + "\n");
  write_file_atomically(dir + "/merged.h5", h5);
  m.complete = true;
  m.columns = columns;
  m.rows = std::move(out_rows);
  return m;
}

}  // namespace infersim::sweep
