// runner/pack_plan.cpp — packing grid points (see header).
#include "runner/pack_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "models/variant.h"
#include "runner/config_error.h"

namespace ganrun {
namespace {

// The settings a pack's members share: everything but the keys a pack may vary.
std::string shared_settings(const RunSettings& s) {
  RunSettings shared = s;
  shared.lr_g = shared.lr_d = shared.beta1 = shared.beta2 = 0.0;
  shared.seed = 0;
  return to_yaml(shared);
}

std::vector<std::vector<int64_t>> split_even(const std::vector<int64_t>& runs, int64_t limit) {
  const auto n = static_cast<int64_t>(runs.size());
  const int64_t packs = (n + limit - 1) / limit;
  std::vector<std::vector<int64_t>> out;
  int64_t at = 0;
  for (int64_t p = 0; p < packs; ++p) {
    const int64_t size = n / packs + (p < n % packs ? 1 : 0);
    out.emplace_back(runs.begin() + at, runs.begin() + at + size);
    at += size;
  }
  return out;
}

}  // namespace

std::string parse_pack_setting(const std::string& text, const std::string& where) {
  if (text == "off" || text == "auto") return text;
  int64_t k = 0;
  size_t used = 0;
  try {
    k = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string prefix = where.empty() ? "" : where + ": ";
  if (used == 0 || used != text.size())
    throw ConfigError(
        fmt::format("{}pack must be off, auto or a number of runs (got '{}')", prefix, text));
  if (k < 1) throw ConfigError(fmt::format("{}pack must be >= 1 (got {})", prefix, k));
  return std::to_string(k);
}

std::string pack_refusal(const RunSettings& s) { return models::pack_refusal(s.variant, s.arch); }

void check_packing(const SweepPlan& plan) {
  if (plan.pack == "off" || plan.pack == "auto" || plan.pack == "1") return;
  for (const auto& run : plan.runs) {
    const std::string why = pack_refusal(run.settings);
    if (!why.empty())
      throw ConfigError(fmt::format(
          "pack: {}: run {} cannot train packed: {}; use pack: auto (it trains such runs one by "
          "one) or pack: off",
          plan.pack, run.id, why));
  }
}

std::string pack_group_key(const RunSettings& s) { return shared_settings(s); }

int64_t AutoPackLimits::limit_for(const RunSettings& s) const {
  const std::string key = pack_group_key(s);
  for (const auto& [group, limit] : by_group)
    if (group == key) return limit;
  return fallback;
}

std::vector<std::vector<int64_t>> compatible_groups(const SweepPlan& plan,
                                                    const std::vector<int64_t>& todo) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<int64_t>> groups;
  for (const int64_t i : todo) {
    const RunSettings& s = plan.runs[static_cast<size_t>(i)].settings;
    const std::string key =
        pack_refusal(s).empty() ? pack_group_key(s) : "unpackable:" + std::to_string(i);
    if (groups.find(key) == groups.end()) order.push_back(key);
    groups[key].push_back(i);
  }
  std::vector<std::vector<int64_t>> out;
  for (const auto& key : order) out.push_back(groups[key]);
  return out;
}

int64_t auto_pack_wanted(int64_t runs, int64_t workers) {
  return std::max<int64_t>(
      1, (runs + std::max<int64_t>(workers, 1) - 1) / std::max<int64_t>(workers, 1));
}

std::vector<std::vector<int64_t>> plan_packs(const SweepPlan& plan,
                                             const std::vector<int64_t>& todo, int64_t workers,
                                             const AutoPackLimits& auto_limits) {
  std::vector<std::vector<int64_t>> packs;
  if (plan.pack == "off") {
    for (const int64_t i : todo) packs.push_back({i});
    return packs;
  }
  for (const auto& runs : compatible_groups(plan, todo)) {
    const RunSettings& first = plan.runs[static_cast<size_t>(runs.front())].settings;
    int64_t limit = 1;  // a run that cannot pack is a group of its own
    if (plan.pack == "auto") {
      limit = std::clamp<int64_t>(auto_pack_wanted(static_cast<int64_t>(runs.size()), workers), 1,
                                  std::max<int64_t>(1, auto_limits.limit_for(first)));
    } else {
      limit = std::stoll(plan.pack);
    }
    for (auto& pack : split_even(runs, limit)) packs.push_back(std::move(pack));
  }
  // Plan order of each pack's first run, so the queue hands them out as the grid reads.
  std::sort(packs.begin(), packs.end(),
            [](const auto& a, const auto& b) { return a.front() < b.front(); });
  return packs;
}

std::vector<std::vector<int64_t>> plan_packs(const SweepPlan& plan,
                                             const std::vector<int64_t>& todo, int64_t workers,
                                             int64_t auto_limit) {
  return plan_packs(plan, todo, workers, AutoPackLimits{auto_limit, {}});
}

}  // namespace ganrun
