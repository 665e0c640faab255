#include "trace/trace.hpp"

#include <cstring>
#include <tuple>

#include <H5Cpp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "format/format.hpp"

namespace infersim {

const char* to_string(ActivityKind k) {
  switch (k) {
    case ActivityKind::compute: return "compute";
    case ActivityKind::memory: return "memory";
    case ActivityKind::tp_allreduce: return "tp_allreduce";
    case ActivityKind::ep_all_to_all: return "ep_all_to_all";
    case ActivityKind::pp_send: return "pp_send";
    case ActivityKind::overhead: return "overhead";
  }
  return "?";
}

const char* to_string(StepPhase p) {
  switch (p) {
    case StepPhase::decode: return "decode";
    case StepPhase::prefill: return "prefill";
    case StepPhase::mixed: return "mixed";
    case StepPhase::calibration: return "calibration";
  }
  return "?";
}

namespace {
constexpr hsize_t kChunkRecords = 8192;
constexpr int kDeflateLevel = 4;
constexpr std::size_t kLinkNameBytes = 64;

H5::CompType activity_type() {
  H5::CompType t(sizeof(ActivityRecord));
  using P = H5::PredType;
  t.insertMember("start_s", HOFFSET(ActivityRecord, start_s), P::NATIVE_DOUBLE);
  t.insertMember("end_s", HOFFSET(ActivityRecord, end_s), P::NATIVE_DOUBLE);
  t.insertMember("chip", HOFFSET(ActivityRecord, chip), P::NATIVE_INT32);
  t.insertMember("peer", HOFFSET(ActivityRecord, peer), P::NATIVE_INT32);
  t.insertMember("chips_folded", HOFFSET(ActivityRecord, chips_folded), P::NATIVE_INT32);
  t.insertMember("kind", HOFFSET(ActivityRecord, kind), P::NATIVE_INT32);
  t.insertMember("phase", HOFFSET(ActivityRecord, phase), P::NATIVE_INT32);
  t.insertMember("tier", HOFFSET(ActivityRecord, tier), P::NATIVE_INT32);
  t.insertMember("link", HOFFSET(ActivityRecord, link), P::NATIVE_INT32);
  t.insertMember("stage", HOFFSET(ActivityRecord, stage), P::NATIVE_INT32);
  t.insertMember("layer", HOFFSET(ActivityRecord, layer), P::NATIVE_INT32);
  t.insertMember("step", HOFFSET(ActivityRecord, step), P::NATIVE_INT64);
  t.insertMember("batch", HOFFSET(ActivityRecord, batch), P::NATIVE_INT64);
  t.insertMember("flop", HOFFSET(ActivityRecord, flop), P::NATIVE_DOUBLE);
  t.insertMember("bytes", HOFFSET(ActivityRecord, bytes), P::NATIVE_DOUBLE);
  t.insertMember("weight_bytes", HOFFSET(ActivityRecord, weight_bytes), P::NATIVE_DOUBLE);
  t.insertMember("kv_bytes", HOFFSET(ActivityRecord, kv_bytes), P::NATIVE_DOUBLE);
  return t;
}

H5::CompType request_type() {
  H5::CompType t(sizeof(TraceRequestRecord));
  using P = H5::PredType;
  t.insertMember("request", HOFFSET(TraceRequestRecord, request), P::NATIVE_INT64);
  t.insertMember("batch", HOFFSET(TraceRequestRecord, batch), P::NATIVE_INT64);
  t.insertMember("arrival_s", HOFFSET(TraceRequestRecord, arrival_s), P::NATIVE_DOUBLE);
  t.insertMember("prefill_start_s", HOFFSET(TraceRequestRecord, prefill_start_s), P::NATIVE_DOUBLE);
  t.insertMember("first_token_s", HOFFSET(TraceRequestRecord, first_token_s), P::NATIVE_DOUBLE);
  t.insertMember("end_s", HOFFSET(TraceRequestRecord, end_s), P::NATIVE_DOUBLE);
  t.insertMember("prompt_tokens", HOFFSET(TraceRequestRecord, prompt_tokens), P::NATIVE_INT64);
  t.insertMember("output_tokens", HOFFSET(TraceRequestRecord, output_tokens), P::NATIVE_INT64);
  return t;
}

H5::DataSet create_table(H5::H5File& file, const std::string& name, const H5::CompType& type) {
  hsize_t dims[1] = {0}, maxdims[1] = {H5S_UNLIMITED}, chunk[1] = {kChunkRecords};
  H5::DSetCreatPropList pl;
  pl.setChunk(1, chunk);
  pl.setShuffle();
  pl.setDeflate(kDeflateLevel);
  // No object timestamps: the same run gives the same bytes.
  H5Pset_obj_track_times(pl.getId(), false);
  // The file type is the packed copy of the in-memory struct: HDF5 then converts each record and
  // never copies the struct's padding bytes (indeterminate memory) into the file.
  H5::DataType packed;
  packed.copy(type);  // H5Tcopy: a new type (copy-constructing would share the id)
  if (H5Tpack(packed.getId()) < 0) throw H5::DataTypeIException("H5Tpack", "cannot pack the record type");
  return file.createDataSet(name, packed, H5::DataSpace(1, dims, maxdims), pl);
}

template <class T>
void append_rows(H5::DataSet& ds, const H5::CompType& type, const std::vector<T>& rows) {
  if (rows.empty()) return;
  hsize_t old_size[1];
  ds.getSpace().getSimpleExtentDims(old_size);
  hsize_t n[1] = {rows.size()};
  hsize_t new_size[1] = {old_size[0] + n[0]};
  ds.extend(new_size);
  H5::DataSpace file_space = ds.getSpace();
  file_space.selectHyperslab(H5S_SELECT_SET, n, old_size);
  ds.write(rows.data(), type, H5::DataSpace(1, n), file_space);
}

template <class T>
std::vector<T> read_all(const H5::DataSet& ds, const H5::CompType& type) {
  hsize_t size[1];
  ds.getSpace().getSimpleExtentDims(size);
  std::vector<T> rows(size[0]);
  if (size[0] > 0) ds.read(rows.data(), type);
  return rows;
}

void write_string_attribute(H5::H5Object& obj, const std::string& name, const std::string& value) {
  H5::StrType t(H5::PredType::C_S1, std::max<std::size_t>(value.size(), 1));
  H5::Attribute a = obj.createAttribute(name, t, H5::DataSpace(H5S_SCALAR));
  a.write(t, value.empty() ? std::string(" ") : value);
}

void write_double_attribute(H5::H5Object& obj, const std::string& name, double value) {
  H5::Attribute a = obj.attrExists(name) ? obj.openAttribute(name)
                                          : obj.createAttribute(name, H5::PredType::NATIVE_DOUBLE,
                                                                H5::DataSpace(H5S_SCALAR));
  a.write(H5::PredType::NATIVE_DOUBLE, &value);
}

void write_int_attribute(H5::H5Object& obj, const std::string& name, std::int32_t value) {
  H5::Attribute a = obj.attrExists(name) ? obj.openAttribute(name)
                                          : obj.createAttribute(name, H5::PredType::NATIVE_INT32,
                                                                H5::DataSpace(H5S_SCALAR));
  a.write(H5::PredType::NATIVE_INT32, &value);
}
}  // namespace

struct TraceWriter::Impl {
  explicit Impl(const std::string& path) : output(path) {}
  // The one atomic writer: HDF5 writes its temporary name, commit() installs it (format.hpp).
  AtomicOutput output;
  H5::H5File file;
  H5::CompType activity_t = activity_type();
  H5::CompType request_t = request_type();
  H5::DataSet activities, requests;
  std::vector<ActivityRecord> activity_buffer;
  std::vector<TraceRequestRecord> request_buffer;
  std::int64_t written = 0;
  bool open = false;
  bool closed = false;

  // An HDF5 failure mid-run (a full disk) must not throw through SimGrid (maestro's time-advance
  // callback, an actor): it is kept, writing stops, and close() reports it.
  template <class F>
  void checked(const char* what, F f) {
    if (!open) return;
    try {
      f();
    } catch (const H5::Exception& e) {
      output.fail(std::string(what) + ": " + e.getDetailMsg() + " (" + std::strerror(errno) + ")");
      open = false;
      activity_buffer.clear();
      request_buffer.clear();
      try {
        file.close();
      } catch (const H5::Exception&) {
      }
    }
  }
};

TraceWriter::TraceWriter(const std::string& path, const std::map<std::string, std::string>& attributes,
                         const std::vector<std::string>& links, const std::vector<double>& link_bandwidths_Bps)
    : impl_() {
  H5::Exception::dontPrint();
  impl_ = std::make_unique<Impl>(path);
  const std::string& target = impl_->output.temp_path().empty() ? path : impl_->output.temp_path();
  try {
    H5::FileCreatPropList fcpl;
    impl_->file = H5::H5File(target, H5F_ACC_TRUNC, fcpl);
    H5::Group root = impl_->file.openGroup("/");
    write_int_attribute(root, "complete", 0);
    write_string_attribute(root, "schema", "infersim-trace/1");
    for (const auto& kv : attributes) write_string_attribute(root, kv.first, kv.second);
    impl_->activities = create_table(impl_->file, "/activities", impl_->activity_t);
    impl_->requests = create_table(impl_->file, "/requests", impl_->request_t);
    // Link names: a fixed-length string table, indexed by ActivityRecord::link.
    H5::StrType name_t(H5::PredType::C_S1, kLinkNameBytes);
    hsize_t n[1] = {links.size()};
    H5::DSetCreatPropList names_pl;
    H5Pset_obj_track_times(names_pl.getId(), false);  // no timestamp here either: byte-identical traces
    H5::DataSet names = impl_->file.createDataSet("/links", name_t, H5::DataSpace(1, n), names_pl);
    std::vector<char> buf(links.size() * kLinkNameBytes, '\0');
    for (std::size_t i = 0; i < links.size(); ++i)
      std::strncpy(&buf[i * kLinkNameBytes], links[i].c_str(), kLinkNameBytes - 1);
    if (!links.empty()) names.write(buf.data(), name_t);
    if (link_bandwidths_Bps.size() == links.size() && !links.empty()) {
      H5::DataSet bw = impl_->file.createDataSet("/link_bandwidths", H5::PredType::NATIVE_DOUBLE, H5::DataSpace(1, n),
                                                 names_pl);
      bw.write(link_bandwidths_Bps.data(), H5::PredType::NATIVE_DOUBLE);
    }
    impl_->file.flush(H5F_SCOPE_GLOBAL);
    impl_->open = true;
  } catch (const H5::Exception& e) {
    throw std::runtime_error("cannot create trace file " + path + ": " + e.getDetailMsg());
  }
  impl_->activity_buffer.reserve(kFlushRecords);
}

TraceWriter::~TraceWriter() {
  try {
    close(false);
  } catch (...) {
    // A destructor must not throw; the file stays marked incomplete.
  }
}

void TraceWriter::append(const ActivityRecord& r) {
  if (!impl_->open) return;  // closed, or failed: nothing more is kept (memory stays flat)
  impl_->activity_buffer.push_back(r);
  // Hard cap: if maestro has not flushed (no time advance), flush here rather than grow.
  if (impl_->activity_buffer.size() >= 8 * kFlushRecords) flush();
}

void TraceWriter::append(const TraceRequestRecord& r) {
  if (!impl_->open) return;
  impl_->request_buffer.push_back(r);
  if (impl_->request_buffer.size() >= 8 * kFlushRecords) flush();
}

bool TraceWriter::should_flush() const {
  return impl_->activity_buffer.size() >= kFlushRecords || impl_->request_buffer.size() >= kFlushRecords;
}

void TraceWriter::flush() {
  impl_->checked("appending to the trace", [&] {
    append_rows(impl_->activities, impl_->activity_t, impl_->activity_buffer);
    append_rows(impl_->requests, impl_->request_t, impl_->request_buffer);
  });
  impl_->written += static_cast<std::int64_t>(impl_->activity_buffer.size());
  impl_->activity_buffer.clear();
  impl_->request_buffer.clear();
}

void TraceWriter::set_attribute(const std::string& name, double value) {
  impl_->checked("writing a trace attribute", [&] {
    H5::Group root = impl_->file.openGroup("/");
    write_double_attribute(root, name, value);
  });
}

void TraceWriter::close(bool complete) {
  if (impl_->closed) return;
  impl_->closed = true;
  flush();
  impl_->checked("closing the trace", [&] {
    H5::Group root = impl_->file.openGroup("/");
    write_int_attribute(root, "complete", complete ? 1 : 0);
    root.close();
    impl_->activities.close();
    impl_->requests.close();
    impl_->file.close();  // HDF5 writes its caches here: a full disk shows up now
  });
  impl_->open = false;
  impl_->output.commit();  // fsync, close, rename; throws the first failure (exit 3)
}

std::int64_t TraceWriter::activities_written() const {
  return impl_->written + static_cast<std::int64_t>(impl_->activity_buffer.size());
}

std::vector<ActivityRecord> read_activities(const std::string& path) {
  H5::Exception::dontPrint();
  H5::H5File f(path, H5F_ACC_RDONLY);
  return read_all<ActivityRecord>(f.openDataSet("/activities"), activity_type());
}

std::vector<TraceRequestRecord> read_requests(const std::string& path) {
  H5::Exception::dontPrint();
  H5::H5File f(path, H5F_ACC_RDONLY);
  return read_all<TraceRequestRecord>(f.openDataSet("/requests"), request_type());
}

namespace {
struct Causes {
  double weights = 0, kv = 0, compute = 0, communication = 0, overhead = 0, waiting = 0;
  nlohmann::json json() const {
    return {{"weights_s", weights}, {"kv_s", kv}, {"compute_s", compute}, {"communication_s", communication},
            {"overhead_s", overhead}, {"waiting_s", waiting}};
  }
};

// Sweep one chip's intervals; the priority rule is in the header.
Causes attribute(std::vector<const ActivityRecord*>& acts, double end_s) {
  struct Event {
    double t;
    int delta;  // +1 start, -1 end
    const ActivityRecord* a;
  };
  std::vector<Event> ev;
  ev.reserve(acts.size() * 2);
  for (const auto* a : acts) {
    ev.push_back({a->start_s, +1, a});
    ev.push_back({a->end_s, -1, a});
  }
  std::sort(ev.begin(), ev.end(), [](const Event& x, const Event& y) {
    return x.t < y.t || (x.t == y.t && x.delta < y.delta);
  });
  Causes c;
  int memory = 0, compute = 0, comm = 0, overhead = 0;
  double weight_bytes = 0, kv_bytes = 0;  // of the memory activities now active
  double t = 0;
  for (const auto& e : ev) {
    const double dt = e.t - t;
    if (dt > 0) {
      if (memory > 0) {
        const double total = weight_bytes + kv_bytes;
        const double w = total > 0 ? weight_bytes / total : 1.0;
        c.weights += dt * w;
        c.kv += dt * (1.0 - w);
      } else if (compute > 0) {
        c.compute += dt;
      } else if (comm > 0) {
        c.communication += dt;
      } else if (overhead > 0) {
        c.overhead += dt;
      } else {
        c.waiting += dt;
      }
      t = e.t;
    }
    switch (static_cast<ActivityKind>(e.a->kind)) {
      case ActivityKind::memory:
        memory += e.delta;
        weight_bytes += e.delta * e.a->weight_bytes;
        kv_bytes += e.delta * e.a->kv_bytes;
        if (memory == 0) weight_bytes = kv_bytes = 0;  // no drift from repeated +/-
        break;
      case ActivityKind::compute: compute += e.delta; break;
      case ActivityKind::overhead: overhead += e.delta; break;
      default: comm += e.delta; break;
    }
  }
  if (end_s > t) c.waiting += end_s - t;
  return c;
}
}  // namespace

nlohmann::json summarize_trace(const std::string& path) {
  H5::Exception::dontPrint();
  H5::H5File f(path, H5F_ACC_RDONLY);
  H5::Group root = f.openGroup("/");
  std::int32_t complete = 0;
  root.openAttribute("complete").read(H5::PredType::NATIVE_INT32, &complete);
  std::vector<ActivityRecord> acts = read_all<ActivityRecord>(f.openDataSet("/activities"), activity_type());
  std::vector<TraceRequestRecord> reqs = read_all<TraceRequestRecord>(f.openDataSet("/requests"), request_type());
  double end_s = 0;
  if (root.attrExists("end_s")) root.openAttribute("end_s").read(H5::PredType::NATIVE_DOUBLE, &end_s);
  std::map<std::int32_t, std::vector<const ActivityRecord*>> by_chip;
  for (const auto& a : acts) {
    if (a.phase == static_cast<std::int32_t>(StepPhase::calibration)) continue;
    by_chip[a.chip].push_back(&a);
    end_s = std::max(end_s, a.end_s);
  }
  // Real collectives, instance by instance: the n-th record of (step, stage, layer, kind) on each chip.
  std::map<std::int32_t, std::pair<double, double>> split;  // chip -> (slowest-rank wait, exchange)
  {
    struct Key {
      std::int64_t step;
      std::int32_t stage, layer, kind;
      std::int64_t nth;
      bool operator<(const Key& o) const {
        return std::tie(step, stage, layer, kind, nth) < std::tie(o.step, o.stage, o.layer, o.kind, o.nth);
      }
    };
    std::map<Key, std::vector<const ActivityRecord*>> instances;
    std::map<std::tuple<std::int32_t, std::int64_t, std::int32_t, std::int32_t, std::int32_t>, std::int64_t> seen;
    for (const auto& a : acts) {
      const auto k = static_cast<ActivityKind>(a.kind);
      if ((k != ActivityKind::tp_allreduce && k != ActivityKind::ep_all_to_all) || a.chips_folded != 1 || a.layer < 0 ||
          a.phase == static_cast<std::int32_t>(StepPhase::calibration))
        continue;
      const std::int64_t nth = seen[{a.chip, a.step, a.stage, a.layer, a.kind}]++;
      instances[{a.step, a.stage, a.layer, a.kind, nth}].push_back(&a);
    }
    for (const auto& [key, recs] : instances) {
      double last = 0;
      for (const auto* r : recs) last = std::max(last, r->start_s);
      for (const auto* r : recs) {
        auto& [wait, exchange] = split[r->chip];
        wait += last - r->start_s;
        exchange += r->end_s - std::max(last, r->start_s);
      }
    }
  }
  // Per link: what its senders put on it.
  std::vector<std::string> link_names;
  std::vector<double> link_bw;
  try {
    H5::DataSet names = f.openDataSet("/links");
    const hsize_t count = static_cast<hsize_t>(names.getSpace().getSimpleExtentNpoints());
    const std::size_t width = names.getStrType().getSize();
    std::vector<char> buf(static_cast<std::size_t>(count) * width + 1, '\0');
    if (count > 0) names.read(buf.data(), names.getStrType());
    for (hsize_t i = 0; i < count; ++i) link_names.emplace_back(buf.data() + i * width, strnlen(buf.data() + i * width, width));
    if (f.nameExists("/link_bandwidths")) {
      link_bw.assign(static_cast<std::size_t>(count), 0.0);
      if (count > 0) f.openDataSet("/link_bandwidths").read(link_bw.data(), H5::PredType::NATIVE_DOUBLE);
    }
  } catch (const H5::Exception&) {
    link_names.clear();
    link_bw.clear();
  }
  std::map<std::int32_t, double> link_bytes;
  for (const auto& a : acts)
    if (a.link >= 0 && a.phase != static_cast<std::int32_t>(StepPhase::calibration)) link_bytes[a.link] += a.bytes;
  std::vector<std::pair<double, nlohmann::json>> links;
  for (const auto& [index, bytes] : link_bytes) {
    nlohmann::json l = {{"link", index}, {"bytes", bytes}};
    if (index < static_cast<std::int32_t>(link_names.size())) l["name"] = link_names[static_cast<std::size_t>(index)];
    double util = -1;
    if (index < static_cast<std::int32_t>(link_bw.size()) && link_bw[static_cast<std::size_t>(index)] > 0 && end_s > 0) {
      l["bandwidth_Bps"] = link_bw[static_cast<std::size_t>(index)];
      util = bytes / (link_bw[static_cast<std::size_t>(index)] * end_s);
      l["utilisation"] = util;
    }
    links.emplace_back(util >= 0 ? util : bytes, l);
  }
  std::stable_sort(links.begin(), links.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  nlohmann::json links_json = nlohmann::json::array();
  for (auto& l : links) links_json.push_back(std::move(l.second));

  nlohmann::json chips = nlohmann::json::array();
  Causes all;
  double chip_seconds = 0, rank_wait_all = 0, exchange_all = 0;
  for (auto& kv : by_chip) {
    Causes c = attribute(kv.second, end_s);
    const double folded = kv.second.empty() ? 1.0 : kv.second.front()->chips_folded;
    nlohmann::json j = c.json();
    j["chip"] = kv.first;
    j["chips_folded"] = folded;
    if (auto it = split.find(kv.first); it != split.end()) {
      j["slowest_rank_wait_s"] = it->second.first;
      j["collective_exchange_s"] = it->second.second;
      rank_wait_all += it->second.first;
      exchange_all += it->second.second;
    }
    chips.push_back(j);
    all.weights += c.weights * folded;
    all.kv += c.kv * folded;
    all.compute += c.compute * folded;
    all.communication += c.communication * folded;
    all.overhead += c.overhead * folded;
    all.waiting += c.waiting * folded;
    chip_seconds += end_s * folded;
  }
  nlohmann::json overall = all.json();
  if (chip_seconds > 0) {
    overall["weights_share"] = all.weights / chip_seconds;
    overall["kv_share"] = all.kv / chip_seconds;
    overall["compute_share"] = all.compute / chip_seconds;
    overall["communication_share"] = all.communication / chip_seconds;
    overall["overhead_share"] = all.overhead / chip_seconds;
    overall["waiting_share"] = all.waiting / chip_seconds;
  }
  overall["chip_seconds"] = chip_seconds;
  if (!split.empty()) {
    overall["slowest_rank_wait_s"] = rank_wait_all;
    overall["collective_exchange_s"] = exchange_all;
  }
  return {{"file", path}, {"complete", complete == 1}, {"end_s", end_s}, {"activities", acts.size()},
          {"requests", reqs.size()}, {"chips", chips}, {"overall", overall}, {"links", links_json}};
}

nlohmann::json step_activities(const std::string& path, std::int64_t step) {
  H5::Exception::dontPrint();
  H5::H5File f(path, H5F_ACC_RDONLY);
  std::vector<ActivityRecord> acts = read_all<ActivityRecord>(f.openDataSet("/activities"), activity_type());
  std::vector<const ActivityRecord*> in_step;
  for (const auto& a : acts)
    if (a.step == step && a.phase != static_cast<std::int32_t>(StepPhase::calibration)) in_step.push_back(&a);
  std::stable_sort(in_step.begin(), in_step.end(),
                   [](const ActivityRecord* x, const ActivityRecord* y) { return x->start_s < y->start_s; });
  nlohmann::json out = nlohmann::json::array();
  for (const auto* a : in_step)
    out.push_back({{"chip", a->chip}, {"kind", to_string(static_cast<ActivityKind>(a->kind))}, {"start_s", a->start_s},
                   {"end_s", a->end_s}, {"layer", a->layer}, {"bytes", a->bytes}, {"flop", a->flop}});
  return out;
}

}  // namespace infersim
