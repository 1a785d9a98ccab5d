// runner/pack_plan.h — which grid points train together as one packed model (`pack` in the
// sweep file, --pack on the command line; models/pack_ops.h is the layout). Runs pack when their
// resolved settings are equal except lr_g, lr_d, beta1, beta2 and seed, their variant and arch
// have a packed form, and each trains on one rank (ranks_per_run 1). `pack: K` packs up to K
// runs and refuses (exit 2, naming the run and why) a plan with a run that cannot pack; `auto`
// packs what can and trains the rest one by one, saying so in the plan; `off` packs nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runner/sweep_config.h"

namespace ganrun {

// "off" | "auto" | a positive integer; ConfigError otherwise, its message starting with
// "<where>: " when `where` is given (--pack). Returns the text in canonical form.
std::string parse_pack_setting(const std::string& text, const std::string& where);

// Why run `s` cannot train packed ("" when it can: today every variant and arch packs, on one
// rank or on a data-parallel group; the check stays for whatever is added next).
std::string pack_refusal(const RunSettings& s);

// `pack: K`: ConfigError (exit 2) naming the first run that cannot pack, with the fix.
void check_packing(const SweepPlan& plan);

// The largest pack `auto` builds on a device: 32 members on a GPU, 8 on a CPU.
int64_t auto_pack_limit(bool cuda);

// The runs `todo` (plan indices, in order) as packs: runs with equal settings but for the
// varying keys, split into ceil(n / K) packs of near-equal size (K: the fixed size, or for
// auto the largest that still gives each of `workers` run groups a pack, up to `auto_limit`).
// A run that cannot pack, and every run under `off`, is a pack of one. Packs keep plan order.
std::vector<std::vector<int64_t>> plan_packs(const SweepPlan& plan,
                                             const std::vector<int64_t>& todo, int64_t workers,
                                             int64_t auto_limit);

}  // namespace ganrun
