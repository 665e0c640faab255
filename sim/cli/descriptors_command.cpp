// `infersim hw list|show|units` and `infersim model list|show`: browse and validate descriptors.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/output_options.hpp"
#include "descriptors/catalog.hpp"
#include "descriptors/json_reader.hpp"
#include "format/format.hpp"
#include "units/parse.hpp"

namespace infersim::cli {

namespace {
std::string range_text(const Sourced& s, double scale) {
  if (!s.has_range()) return "";
  return format_number(s.low / scale) + " .. " + format_number(s.high / scale);
}

void add_row(Table& t, const std::string& field, const Sourced& s, double scale, const std::string& unit) {
  t.add_row({field, format_number(s.value / scale), unit, range_text(s, scale), to_string(s.provenance.tag),
             s.provenance.source.substr(0, 70)});
}

std::string show_hardware(const Hardware& hw) {
  std::ostringstream out;
  out << hw.name << " (" << hw.id << ")  " << hw.file << "\n";
  if (!hw.description.empty()) out << hw.description << "\n";
  if (hw.vendor_claims_only) out << "VENDOR CLAIMS ONLY: every performance figure is unaudited.\n";
  Table t({"field", "value", "unit", "range", "tag", "source"});
  for (const auto& [p, q] : hw.peak_flops) add_row(t, std::string(to_string(p)) + " peak", q, 1e12, "TFLOP/s");
  for (const auto& tier : hw.tiers) {
    add_row(t, tier.name + " capacity", tier.capacity_bytes, 1e9, "GB");
    add_row(t, tier.name + " bandwidth", tier.bandwidth_Bps, 1e12, "TB/s");
    if (tier.access_energy_per_byte_J) add_row(t, tier.name + " access energy", *tier.access_energy_per_byte_J, 1e-12, "pJ/B");
  }
  add_row(t, "usable memory fraction", hw.usable_memory_fraction, 1, "");
  add_row(t, "sustained matmul fraction", hw.sustained_matmul_fraction, 1, "");
  add_row(t, "chip power", hw.chip_power_W, 1, "W");
  add_row(t, "system power per chip", hw.system_power_W_per_chip, 1, "W");
  add_row(t, "idle power per chip", hw.idle_power_W_per_chip, 1, "W");
  if (hw.static_power_W) add_row(t, "static power (under load)", *hw.static_power_W, 1, "W");
  add_row(t, "system cost per chip", hw.system_cost_usd_per_chip, 1, "USD");
  add_row(t, std::string("scale-up (") + to_string(hw.scale_up.topology) + ", " +
                 std::to_string(hw.scale_up.domain_chips) + " chips) bandwidth",
          hw.scale_up.bandwidth_Bps, 1e9, "GB/s/dir");
  add_row(t, "scale-up latency", hw.scale_up.latency_s, 1e-6, "us");
  if (hw.scale_out) {
    add_row(t, std::string("scale-out (") + to_string(hw.scale_out->topology) + ") bandwidth",
            hw.scale_out->bandwidth_Bps, 1e9, "GB/s/dir");
    add_row(t, "scale-out latency", hw.scale_out->latency_s, 1e-6, "us");
  }
  if (hw.software_maturity) add_row(t, "software maturity (0-10)", *hw.software_maturity, 1, "");
  out << t.render();
  return out.str();
}

std::string show_model(const Model& m) {
  std::ostringstream out;
  out << m.name << " (" << m.id << ")  " << m.file << "\n";
  out << "architecture: " << to_string(m.architecture_provenance.tag) << ", " << m.architecture_provenance.source
      << "\n";
  if (m.hypothetical) out << "HYPOTHETICAL: the architecture is assumed, not published.\n";
  Table t({"quantity", "value", "note"});
  t.add_row({"layers", std::to_string(m.layers), ""});
  t.add_row({"hidden size", std::to_string(m.hidden_size), ""});
  t.add_row({"attention", to_string(m.attention), std::to_string(m.attention_heads) + " heads, " +
                                                       std::to_string(m.kv_heads) + " KV heads, head dim " +
                                                       std::to_string(m.head_dim)});
  if (m.moe)
    t.add_row({"experts", std::to_string(m.moe->experts), "top-" + std::to_string(m.moe->top_k) + ", " +
                                                             std::to_string(m.moe->shared_experts) + " shared, FFN " +
                                                             std::to_string(m.moe->expert_ffn_size)});
  auto pub = [](const std::optional<Sourced>& q, double derived) {
    if (!q) return std::string("no published count");
    return "published " + format_number(q->value / 1e9) + " B (" + to_string(q->provenance.tag) + "), derived " +
           format_number((derived / q->value - 1.0) * 100.0, 2) + " % off";
  };
  t.add_row({"total params (derived)", format_number(m.total_params() / 1e9, 4) + " B",
             pub(m.published_total_params, m.total_params())});
  t.add_row({"active params (derived)", format_number(m.active_params() / 1e9, 4) + " B",
             pub(m.published_active_params, m.active_params())});
  t.add_row({"KV bytes/token at bf16", format_number(m.kv_elements_per_token() * 2.0, 6), "derived"});
  t.add_row({"max context", std::to_string(m.max_context_tokens), "tokens"});
  out << t.render();
  return out.str();
}

// `show --json`: the descriptor file as read (it validated), with what the text derives from it.
nlohmann::json descriptor_json(const std::string& id, const std::string& name, const std::string& file,
                               nlohmann::json derived) {
  nlohmann::json j = {{"id", id}, {"name", name}, {"file", file}, {"descriptor", read_json_file(file)}};
  if (!derived.is_null()) j["derived"] = std::move(derived);
  return j;
}

// `list`: the bundled ids (text), or each id with its descriptor's name (JSON, CSV).
std::string list(const std::string& kind, const OutputOptions& output) {
  std::ostringstream out;
  nlohmann::json rows = nlohmann::json::array();
  if (output.csv()) out << "id,name\n";
  for (const auto& id : bundled_ids(kind)) {
    if (output.text()) {
      out << id << "\n";
      continue;
    }
    const std::string name = kind == "hardware" ? load_hardware(id).name : load_model(id).name;
    if (output.csv()) out << csv_escape(id) << ',' << csv_escape(name) << "\n";
    else rows.push_back({{"id", id}, {"name", name}});
  }
  return output.json() ? rows.dump(2) + "\n" : out.str();
}

struct Browse {
  OutputOptions list_output, show_output;
  std::string id;
};

// `<kind> list` and `<kind> show ID` on `parent`; `show` prints `text` or `json` of the loaded descriptor.
template <typename Load, typename Text, typename Json>
void add_browse_commands(CLI::App* parent, const std::string& kind, const std::string& list_help,
                         const std::string& show_help, Load load, Text text, Json json) {
  auto b = std::make_shared<Browse>();
  auto* ls = parent->add_subcommand("list", list_help);
  add_output_options(ls, b->list_output, formats::json | formats::csv,
                     {"an array of {id, name}", "one row per bundled descriptor: id, name", "", ""});
  ls->callback([b, kind] { emit(b->list_output, list(kind, b->list_output)); });
  auto* show = parent->add_subcommand("show", show_help);
  show->add_option("id", b->id, "Bundled id or path of a JSON file")->required();
  add_output_options(show, b->show_output, formats::json,
                     {"id, name, file, the descriptor as read and what is derived from it", "", "", ""});
  show->callback([b, load, text, json] {
    const auto d = load(b->id);
    emit(b->show_output, b->show_output.json() ? json(d).dump(2) + "\n" : text(d));
  });
}
}  // namespace

void register_descriptor_commands(CLI::App& app, CommandResult& /*result*/) {
  auto* hw = app.add_subcommand("hw", "List, show and validate hardware descriptors (hardware/*.json)");
  hw->require_subcommand(1);
  add_browse_commands(
      hw, "hardware", "Print the bundled hardware ids",
      "Validate a hardware descriptor and print every number with its range, tag and source (exit 2 with the file "
      "and JSON path if invalid)",
      [](const std::string& id) { return load_hardware(id); }, show_hardware,
      [](const Hardware& h) { return descriptor_json(h.id, h.name, h.file, nullptr); });
  hw->add_subcommand("units", "Print the unit strings descriptors accept, per SI dimension")->callback([] {
    for (UnitKind k : {UnitKind::seconds, UnitKind::bytes, UnitKind::bytes_per_second, UnitKind::flop,
                       UnitKind::flop_per_second, UnitKind::watts, UnitKind::joules, UnitKind::usd}) {
      std::cout << si_unit_name(k) << ": ";
      for (const auto& u : accepted_units(k)) std::cout << u << " ";
      std::cout << "\n";
    }
  });

  auto* model = app.add_subcommand("model", "List, show and validate model descriptors (models/*.json)");
  model->require_subcommand(1);
  add_browse_commands(
      model, "models", "Print the bundled model ids",
      "Validate a model descriptor and print its architecture with the derived parameter counts and KV bytes per token",
      [](const std::string& id) { return load_model(id); }, show_model,
      [](const Model& m) {
        return descriptor_json(m.id, m.name, m.file,
                               {{"total_params", m.total_params()},
                                {"active_params", m.active_params()},
                                {"kv_bytes_per_token_bf16", m.kv_elements_per_token() * 2.0}});
      });
}

}  // namespace infersim::cli
