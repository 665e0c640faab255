// Contract: the serving loop of predict() (validation.hpp) run on the DES runtime instead of the
// analytic one, in a forked child process (one SimGrid engine per process), for
// `infersim validate --measurements FILE --engine des`. Returns the figures predict() reads
// (requests, output tok/s per deployment and per chip, mean TTFT, TPOT, ITL, requests_rejected).
#pragma once

#include "scenario/scenario.hpp"
#include "serving/serving.hpp"

namespace infersim {

ServingResult serve_on_des_in_child(const Scenario& s, const Plan& plan, const WorkloadSpec& w,
                                    const ServingOptions& o);

}  // namespace infersim
