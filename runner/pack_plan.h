// runner/pack_plan.h — which grid points train together as one packed model (`pack` in the
// sweep file, --pack on the command line; models/pack_ops.h is the layout). Runs pack when their
// resolved settings are equal except lr_g, lr_d, beta1, beta2 and seed, their variant and arch
// have a packed form, and each trains on one rank (ranks_per_run 1). `pack: K` packs up to K
// runs and refuses (exit 2, naming the run and why) a plan with a run that cannot pack; `auto`
// packs what can and trains the rest one by one, saying so in the plan; `off` packs nothing.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
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

// The runs `todo` (plan indices, in order) in groups that could share a pack: equal settings but
// for the varying keys (a run that cannot pack is a group of its own). Groups in plan order.
std::vector<std::vector<int64_t>> compatible_groups(const SweepPlan& plan,
                                                    const std::vector<int64_t>& todo);

// The runs per pack `auto` wants for a group of `runs` runs on `workers` run groups: the fewest
// packs that still give every worker one, ceil(runs / workers).
int64_t auto_pack_wanted(int64_t runs, int64_t workers);

// `auto`'s largest pack for each group of compatible_groups(plan, all runs), keyed by a run of
// the group (its settings but the varying keys); `fallback` for a group not measured.
struct AutoPackLimits {
  int64_t fallback = 1;
  std::vector<std::pair<std::string, int64_t>> by_group;  // group key, limit
  int64_t limit_for(const RunSettings& s) const;
};
std::string pack_group_key(const RunSettings& s);

// The runs `todo` as packs: each compatible group split into ceil(n / K) packs of near-equal
// size (K: the fixed size, or for auto the wanted size up to the group's limit). A run that
// cannot pack, and every run under `off`, is a pack of one. Packs keep plan order.
std::vector<std::vector<int64_t>> plan_packs(const SweepPlan& plan,
                                             const std::vector<int64_t>& todo, int64_t workers,
                                             const AutoPackLimits& auto_limits);
// The same with one auto limit for every group.
std::vector<std::vector<int64_t>> plan_packs(const SweepPlan& plan,
                                             const std::vector<int64_t>& todo, int64_t workers,
                                             int64_t auto_limit);

}  // namespace ganrun
