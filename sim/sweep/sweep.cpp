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
#include "format/format.hpp"
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

// Scalars of a result, nested objects flattened as "a.b"; arrays are left out of the table.
void flatten(const json& j, const std::string& prefix, std::vector<std::pair<std::string, json>>& out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object()) flatten(*it, key, out);
    else if (!it->is_array()) out.emplace_back(key, *it);
  }
}

std::string csv_value(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return csv_escape(v.get<std::string>());
  return v.dump();
}

void write_hdf5(const std::string& path, const std::vector<std::string>& columns, const std::vector<json>& rows) {
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
  H5::CompType type(std::max<size_t>(size, 1));
  for (size_t c = 0; c < columns.size(); ++c) {
    if (numeric[c]) type.insertMember(columns[c], offset[c], H5::PredType::NATIVE_DOUBLE);
    else type.insertMember(columns[c], offset[c], H5::StrType(H5::PredType::C_S1, width[c]));
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
  const std::string tmp = path + ".tmp-" + std::to_string(getpid());
  {
    H5::H5File file(tmp, H5F_ACC_TRUNC);
    hsize_t dims[1] = {static_cast<hsize_t>(rows.size())};
    H5::DataSpace space(1, dims);
    H5::DSetCreatPropList plist;
    H5Pset_obj_track_times(plist.getId(), false);  // no timestamps: same points, same file
    H5::DataSet ds = file.createDataSet("points", type, space, plist);
    if (!rows.empty()) ds.write(buffer.data(), type);
  }
  fs::rename(tmp, path);
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

Grid load_grid(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "", "cannot read the grid file");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw InputError(path, "", std::string("not valid JSON: ") + e.what());
  }
  const std::set<std::string> keys = {"schema", "id", "description", "command", "fixed", "axes"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!keys.count(it.key()))
      throw InputError(path, "/" + it.key(), "unknown key; accepted: axes, command, description, fixed, id, schema");
  if (j.value("schema", "") != "infersim-sweep/1") throw InputError(path, "/schema", "expected \"infersim-sweep/1\"");
  Grid g;
  g.file = path;
  g.id = j.value("id", fs::path(path).stem().string());
  g.command = j.value("command", "project");
  if (g.command != "project" && g.command != "serve" && g.command != "simulate")
    throw InputError(path, "/command", "accepted: project, serve, simulate");
  if (j.contains("fixed")) {
    if (!j["fixed"].is_object()) throw InputError(path, "/fixed", "an object of option: value");
    for (auto it = j["fixed"].begin(); it != j["fixed"].end(); ++it) g.fixed.emplace_back(it.key(), it.value());
  }
  if (!j.contains("axes") || !j["axes"].is_array() || j["axes"].empty())
    throw InputError(path, "/axes", "a non-empty array of {\"name\": option, \"values\": [...]}");
  for (size_t i = 0; i < j["axes"].size(); ++i) {
    const json& a = j["axes"][i];
    const std::string ptr = "/axes/" + std::to_string(i);
    if (!a.is_object() || !a.contains("name") || !a.contains("values") || !a["values"].is_array() || a["values"].empty())
      throw InputError(path, ptr, "{\"name\": option, \"values\": [non-empty]}");
    g.axes.push_back({a["name"].get<std::string>(), a["values"].get<std::vector<json>>()});
  }
  for (const std::string reserved : {"json", "out"})
    for (const auto& p : g.point(0))
      if (p.first == reserved) throw InputError(path, "/axes", "--" + reserved + " is set by the sweep itself");
  return g;
}

SweepOutcome run_sweep(const SweepRequest& rq) {
  report::install_stop_handlers();
  const Grid g = load_grid(rq.grid);
  SweepOutcome o;
  o.dir = rq.out_dir.empty() ? "sweeps/" + g.id : rq.out_dir;
  fs::create_directories(o.dir + "/points");
  fs::create_directories(o.dir + "/logs");
  // The grid is part of the directory: a resumed or sharded run must be the same grid.
  const std::string grid_text = report::read_file(rq.grid);
  const std::string stored = o.dir + "/grid.json";
  if (fs::exists(stored)) {
    if (report::read_file(stored) != grid_text)
      throw InputError(rq.grid, "", o.dir + " holds a different grid (" + stored + "); use another --out-dir");
  } else {
    write_file_atomically(stored, grid_text);
  }
  for (const auto& e : fs::directory_iterator(o.dir + "/points"))  // leftovers of children killed mid-write
    if (e.path().filename().string().find(".tmp-") != std::string::npos) fs::remove(e.path());

  o.total = g.size();
  std::vector<long long> todo;
  for (long long i = rq.shard_index; i < o.total; i += rq.shard_count) {
    ++o.in_shard;
    if (fs::exists(o.dir + "/points/" + point_name(i) + ".json")) ++o.skipped;
    else todo.push_back(i);
  }
  const int jobs = rq.jobs > 0 ? rq.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  report::Progress bar("points", o.in_shard, rq.progress);
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
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
                    fs::exists(o.dir + "/points/" + point_name(idx) + ".json");
    if (ok) ++o.ran;
    else if (!report::stop_requested()) {
      ++o.failed;
      o.failures.push_back(std::to_string(idx) + ": " + o.dir + "/logs/" + point_name(idx) + ".err");
    }
    bar.set(o.skipped + o.ran + o.failed);
    return true;
  };
  while ((next < todo.size() || !running.empty())) {
    if (report::stop_requested()) {
      for (const auto& [pid, idx] : running) kill(static_cast<pid_t>(pid), SIGTERM);
      while (!running.empty()) reap(true);
      break;
    }
    if (next < todo.size() && static_cast<int>(running.size()) < jobs) {
      const long long idx = todo[next++];
      std::vector<std::string> argv = {rq.binary, g.command};
      for (const auto& [k, v] : g.point(idx)) {
        argv.push_back("--" + k);
        argv.push_back(v);
      }
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
  for (const auto& e : fs::directory_iterator(o.dir + "/logs"))  // keep only the logs that say something
    if (fs::is_empty(e.path())) fs::remove(e.path());
  o.interrupted = report::stop_requested();
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
    if (!fs::exists(p)) {
      m.missing.push_back(i);
      continue;
    }
    json result = json::parse(report::read_file(p));
    const std::vector<json> parts = result.is_array() ? result.get<std::vector<json>>() : std::vector<json>{result};
    const auto args = g.point(i);
    for (const auto& part : parts) {
      json row;
      row["point"] = i;
      for (const auto& a : g.axes)
        for (const auto& [k, v] : args)
          if (k == a.name) row["axis." + a.name] = v;
      std::vector<std::pair<std::string, json>> flat;
      flatten(part, "", flat);
      for (const auto& [k, v] : flat) {
        if (known.insert(k).second) columns.push_back(k);
        row[k] = v;
      }
      rows.push_back(row);
    }
  }
  m.points = g.size() - static_cast<long long>(m.missing.size());
  if (!m.missing.empty()) return m;
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
              {"grid_sha256", report::sha256_hex(report::read_file(dir + "/grid.json"))},
              {"points", g.size()},
              {"columns", columns},
              {"rows", out_rows}};
  write_file_atomically(dir + "/merged.csv", csv);
  write_file_atomically(dir + "/merged.json", doc.dump(1) + "\n");
  write_hdf5(dir + "/merged.h5", columns, rows);
  m.complete = true;
  return m;
}

}  // namespace infersim::sweep
