// `infersim hw list|show|units` and `infersim model list|show`: browse and validate descriptors.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "descriptors/catalog.hpp"
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

void show_hardware(const Hardware& hw) {
  std::cout << hw.name << " (" << hw.id << ")  " << hw.file << "\n";
  if (!hw.description.empty()) std::cout << hw.description << "\n";
  if (hw.vendor_claims_only) std::cout << "VENDOR CLAIMS ONLY: every performance figure is unaudited.\n";
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
  std::cout << t.render();
}

void show_model(const Model& m) {
  std::cout << m.name << " (" << m.id << ")  " << m.file << "\n";
  std::cout << "architecture: " << to_string(m.architecture_provenance.tag) << ", "
            << m.architecture_provenance.source << "\n";
  if (m.hypothetical) std::cout << "HYPOTHETICAL: the architecture is assumed, not published.\n";
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
  std::cout << t.render();
}

void list(const std::string& kind) {
  for (const auto& id : bundled_ids(kind)) std::cout << id << "\n";
}
}  // namespace

void register_descriptor_commands(CLI::App& app, CommandResult& /*result*/) {
  auto* hw = app.add_subcommand("hw", "List, show and validate hardware descriptors (hardware/*.json)");
  hw->require_subcommand(1);
  hw->add_subcommand("list", "Print the bundled hardware ids")->callback([] { list("hardware"); });
  auto* hw_show = hw->add_subcommand("show", "Validate a hardware descriptor and print every number with its "
                                             "range, tag and source (exit 2 with the file and JSON path if invalid)");
  auto hw_id = std::make_shared<std::string>();
  hw_show->add_option("id", *hw_id, "Bundled id or path of a JSON file")->required();
  hw_show->callback([hw_id] { show_hardware(load_hardware(*hw_id)); });
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
  model->add_subcommand("list", "Print the bundled model ids")->callback([] { list("models"); });
  auto* model_show = model->add_subcommand("show", "Validate a model descriptor and print its architecture with the "
                                                   "derived parameter counts and KV bytes per token");
  auto model_id = std::make_shared<std::string>();
  model_show->add_option("id", *model_id, "Bundled id or path of a JSON file")->required();
  model_show->callback([model_id] { show_model(load_model(*model_id)); });
}

}  // namespace infersim::cli
