// Contention experiments on the DES platform with independently derived answers (contention.hpp).
#include "des/contention.hpp"

#include <simgrid/s4u.hpp>
#include <xbt/log.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "costmodel/collectives.hpp"
#include "des/platform.hpp"
#include "serving/rng.hpp"

namespace infersim {

namespace sg4 = simgrid::s4u;

namespace {
constexpr double kWarmupShare = 0.1;  // of a stream's transfers, not counted

bool one_bottleneck_fabric(Topology t) { return t == Topology::switched || t == Topology::fat_tree; }

std::string number(double v) {
  std::ostringstream o;
  o.precision(4);
  o << v;
  return o.str();
}
}  // namespace

std::vector<ContentionCase> contention_experiments(const Scenario& s, const ContentionOptions& o) {
  // At rho >= 1 the queue grows without bound and a stream never drains: a caller's error.
  for (double rho : o.loads)
    if (!(rho > 0 && rho < 1)) throw std::invalid_argument("contention: an offered load must lie in (0, 1)");
  if (o.transfers < 10 || o.replications < 1 || !(o.bytes > 0))
    throw std::invalid_argument("contention: at least 10 transfers, 1 replication and a positive size");
  const long long domain = chips_per_scale_up_domain(s.hw, kMaxContentionChips);
  const long long n = std::min(domain, kMaxContentionChips);
  ContentionCase base;
  base.hardware = s.hw.id;
  base.chips = n;
  base.bytes = o.bytes;
  base.closed_form_s = point_to_point_time(Bytes(o.bytes), effective_network(s, false)).si();
  std::vector<ContentionCase> out;
  std::vector<std::string> names = {"incast"};
  for (double rho : o.loads) names.push_back("stream rho=" + number(rho));
  if (n < 3 || !one_bottleneck_fabric(s.hw.scale_up.topology)) {
    for (const auto& name : names) {
      ContentionCase c = base;
      c.experiment = name;
      c.not_run = n < 3 ? "a scale-up domain of fewer than 3 chips has no shared port"
                        : std::string("the scale-up fabric is a ") + to_string(s.hw.scale_up.topology) +
                              ": chip 0's traffic crosses several links, beyond the one-bottleneck answers";
      out.push_back(c);
    }
    return out;
  }

  std::vector<std::string> args = {"infersim", "--log=root.thres:critical"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  sg4::Engine engine(&argc, argv.data());
  des::configure_models();
  Plan plan;
  plan.chips = n;
  plan.tp = n;
  des::Platform pf = des::build_platform(s, plan);

  // The route into chip 0, as the platform built it: what the answers are derived from.
  std::vector<sg4::Link*> route;
  double latency = 0;
  pf.chips[1]->route_to(pf.chips[0], route, &latency);
  double bottleneck = std::numeric_limits<double>::infinity();
  for (const sg4::Link* l : route) bottleneck = std::min(bottleneck, l->get_bandwidth());
  base.route_latency_s = latency;
  base.bottleneck_Bps = bottleneck;
  const double service_s = o.bytes / bottleneck;

  sg4::Actor::create("contention", pf.chips[0], [&] {
    {  // incast
      ContentionCase c = base;
      c.experiment = names[0];
      c.flows = n - 1;
      std::vector<sg4::CommPtr> comms;
      const double start = sg4::Engine::get_clock();
      for (long long i = 1; i < n; ++i) comms.push_back(pf.start_send(i, 0, o.bytes));
      sg4::Comm::wait_all(comms);
      c.des_s = sg4::Engine::get_clock() - start;
      c.expected_s = latency + static_cast<double>(n - 1) * service_s;
      c.expected_by = "max-min fair share of chip 0's port: L + (n-1) S/B";
      out.push_back(c);
    }
    // One Poisson stream at load rho: the mean time in system of its counted transfers.
    auto stream = [&](double rho, std::uint64_t rng_stream) {
      Rng rng(Rng::stream_seed(o.seed, rng_stream));
      const double rate = rho / service_s;
      const long long warmup = static_cast<long long>(kWarmupShare * static_cast<double>(o.transfers));
      std::vector<sg4::CommPtr> inflight;
      std::vector<double> started;
      std::vector<long long> ids;
      long long launched = 0, finished = 0, counted = 0;
      double sum = 0;
      double next = sg4::Engine::get_clock() + rng.exponential(rate);
      while (finished < o.transfers) {
        const double now = sg4::Engine::get_clock();
        if (launched < o.transfers && next <= now) {
          inflight.push_back(pf.start_send(1 + launched % (n - 1), 0, o.bytes));
          started.push_back(now);
          ids.push_back(launched++);
          next = now + rng.exponential(rate);
          continue;
        }
        ssize_t done = -1;
        if (launched < o.transfers) {
          if (inflight.empty()) sg4::this_actor::sleep_until(next);
          else done = sg4::Comm::wait_any_for(inflight, next - now);
        } else {
          done = sg4::Comm::wait_any(inflight);
        }
        if (done < 0) continue;
        const auto i = static_cast<std::size_t>(done);
        if (ids[i] >= warmup) {
          sum += sg4::Engine::get_clock() - started[i];
          ++counted;
        }
        ++finished;
        inflight.erase(inflight.begin() + done);
        started.erase(started.begin() + done);
        ids.erase(ids.begin() + done);
      }
      return std::make_pair(counted > 0 ? sum / static_cast<double>(counted) : 0.0, counted);
    };
    for (std::size_t k = 0; k < o.loads.size(); ++k) {
      const double rho = o.loads[k];
      ContentionCase c = base;
      c.experiment = names[k + 1];
      // Independent replications (their own random streams): the mean of their means, and its
      // standard error from their spread (a stream's transfers are correlated, so the spread of
      // one stream's sojourns would understate it).
      std::vector<double> means;
      for (long long r = 0; r < o.replications; ++r) {
        const auto [mean, counted] = stream(rho, 100 + 16 * k + static_cast<std::uint64_t>(r));
        means.push_back(mean);
        c.flows += counted;
      }
      double m = 0;
      for (double x : means) m += x;
      m /= static_cast<double>(means.size());
      double var = 0;
      for (double x : means) var += (x - m) * (x - m);
      c.des_s = m;
      c.des_standard_error_s = means.size() > 1 ? std::sqrt(var / static_cast<double>(means.size() - 1) /
                                                             static_cast<double>(means.size()))
                                                : 0.0;
      c.expected_s = latency + service_s / (1.0 - rho);
      c.expected_by = "M/G/1 processor sharing on chip 0's port: L + (S/B)/(1 - rho)";
      out.push_back(c);
    }
  });
  engine.run();
  return out;
}

nlohmann::json to_json(const ContentionCase& c) {
  nlohmann::json j = {{"hardware", c.hardware}, {"experiment", c.experiment}, {"chips", c.chips},
                      {"bytes", c.bytes}};
  if (!c.not_run.empty()) {
    j["not_run"] = c.not_run;
    return j;
  }
  j["flows"] = c.flows;
  j["route_latency_s"] = c.route_latency_s;
  j["bottleneck_Bps"] = c.bottleneck_Bps;
  j["closed_form_s"] = c.closed_form_s;
  j["des_s"] = c.des_s;
  j["des_standard_error_s"] = c.des_standard_error_s;
  j["expected_s"] = c.expected_s;
  j["expected_by"] = c.expected_by;
  j["des_vs_expected"] = c.des_vs_expected();
  j["des_vs_closed_form"] = c.des_vs_closed_form();
  return j;
}

}  // namespace infersim
