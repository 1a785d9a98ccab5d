// runner/grid_expansion.cpp — layer checks, grid expansion and point resolution (see header).
#include "runner/grid_expansion.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "runner/config_error.h"
#include "runner/name_list.h"
#include "runner/presets.h"
#include "runner/run_id.h"

namespace ganrun {
namespace {

// A grid larger than this is almost certainly a mistake (and would exhaust memory before
// anything ran); the limit is far above any sweep one machine could train.
constexpr uint64_t kMaxGridPoints = 100000;

bool overlaps(const std::string& a, const std::string& b) {
  const auto fields_b = setting_fields(b);
  for (const auto& fa : setting_fields(a))
    if (contains(fields_b, fa)) return true;
  return false;
}

void apply(RunSettings& r, const Setting& s) {
  set_setting(r, s.key, s.str, s.kind_number(), s.integer, s.b2);
}

// Rethrows a ConfigError from the settings' own rules with the file in front.
template <typename F>
void in_file(const SweepYaml& file, F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: {}", file.file(), e.what()));
  }
}

// One point of `grid`, `index` picking a value of each of its keys. The id is set later, once
// the keys that vary over the whole plan are known.
RunSpec resolve(const SweepYaml& file, const SweepLayers& layers, const SubGrid& grid,
                const std::vector<std::size_t>& index, const std::vector<Setting>& drawn) {
  RunSpec spec;
  RunSettings& r = spec.settings;
  int epochs_line = 0, steps_line = 0;
  std::set<std::string> explicit_fields;  // what the file sets: a preset fills only the rest
  auto apply_all = [&](const Setting& s) {
    apply(r, s);
    for (const auto& f : fields_written(s.key)) explicit_fields.insert(f);
    if (s.key == "epochs") epochs_line = s.line;
    if (s.key == "steps") steps_line = s.line;
  };
  for (const auto& s : layers.top.settings) apply_all(s);
  // The point's variant decides which variants.<v> layer applies.
  std::string variant = r.variant;
  for (std::size_t k = 0; k < grid.size(); ++k)
    if (grid[k].key == "variant") variant = grid[k].values[index[k]].str;
  if (auto it = layers.variants.find(variant); it != layers.variants.end())
    for (const auto& s : it->second.settings) apply_all(s);
  for (std::size_t k = 0; k < grid.size(); ++k) apply_all(grid[k].values[index[k]]);
  for (const auto& d : drawn) apply_all(d);  // disjoint from the grid (check_variants_vs_grid)

  if (epochs_line && steps_line)
    file.fail(std::max(epochs_line, steps_line),
              fmt::format("epochs (line {}) and steps (line {}) are both set; set only one of them",
                          epochs_line, steps_line));
  in_file(file, [&] {
    if (!r.preset.empty()) apply_preset(r, r.preset, explicit_fields);
  });
  if (r.epochs == 0 && r.steps == 0) r.epochs = kDefaultEpochs;
  // Every value was checked where it was read; this guards the combination.
  in_file(file, [&] { validate(r); });
  for (const auto& g : grid) spec.grid_point.emplace_back(g.key, setting_text(r, g.key));
  for (const auto& d : drawn) spec.grid_point.emplace_back(d.key, setting_text(r, d.key));
  return spec;
}

// Two points of one sub-grid with the same settings, or the same id, are an error naming the
// first grid key whose values differ between them.
void check_distinct(const SweepYaml& file, const SubGrid& grid, const std::vector<RunSpec>& runs,
                    const std::vector<std::vector<std::size_t>>& indices) {
  auto clash = [&](std::size_t a, std::size_t b, const std::string& what) {
    for (std::size_t k = 0; k < grid.size(); ++k) {
      if (indices[a][k] == indices[b][k]) continue;
      const Setting& va = grid[k].values[indices[a][k]];
      const Setting& vb = grid[k].values[indices[b][k]];
      file.fail(vb.line, fmt::format("grid key '{}': values {} (line {}) and {} (line {}) {}",
                                     grid[k].key, va.text, va.line, vb.text, vb.line, what));
    }
    file.fail(1, "two runs " + what);  // unreachable: distinct points differ in some key
  };
  // Ids from the keys that vary in this sub-grid: the plan's ids add keys that are constant
  // here, so two points clash there exactly when they clash here.
  std::vector<std::string> varying;
  for (const auto& g : grid)
    if (g.values.size() > 1) varying.push_back(g.key);
  std::map<std::string, std::size_t> by_settings, by_id;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    auto [s, fresh_s] = by_settings.emplace(to_yaml(runs[i].settings), i);
    if (!fresh_s) clash(s->second, i, "give two runs the same settings; remove the duplicate");
    const std::string id = make_run_id(runs[i].settings, varying);
    auto [d, fresh_d] = by_id.emplace(id, i);
    if (!fresh_d)
      clash(d->second, i,
            fmt::format("give two runs the same run id '{}'; use values that differ in letters "
                        "or digits",
                        id));
  }
}

// What makes two points of the plan the same run: their resolved settings and their draw.
std::string point_key(const RunSpec& run) {
  return to_yaml(run.settings) + "draw: " + std::to_string(run.draw) + "\n";
}

// The first line of a sub-grid (its first key's), for messages.
int line_of(const SubGrid& grid) { return grid.empty() ? 1 : grid.front().line; }

// The grid keys whose canonical value differs between two runs of the plan; a run whose
// sub-grid lacks the key counts as the value "" (unset), so a key that only some sub-grids
// sweep names their runs apart.
std::vector<std::string> varying_keys(const std::vector<std::string>& keys,
                                      const std::vector<RunSpec>& runs) {
  std::vector<std::string> varying;
  for (const auto& key : keys) {
    std::set<std::string> seen;
    for (const auto& run : runs) {
      std::string value;
      for (const auto& [k, v] : run.grid_point)
        if (k == key) value = v;
      seen.insert(value);
    }
    if (seen.size() > 1) varying.push_back(key);
  }
  return varying;
}

// Every point of `grid` (its odometer `indices`) with each draw 0..draws-1, draw fastest; the
// grid point gains the drawn keys' values and ("draw", i).
std::vector<RunSpec> crossed_with_draws(const SweepYaml& file, const SweepLayers& layers,
                                        const SubGrid& grid,
                                        const std::vector<std::vector<std::size_t>>& indices,
                                        uint64_t draws) {
  std::vector<std::vector<Setting>> drawn;
  for (uint64_t i = 0; i < draws; ++i)
    drawn.push_back(draw_settings(file, layers.sample, static_cast<int64_t>(i)));
  std::vector<RunSpec> runs;
  for (const auto& index : indices) {
    for (uint64_t i = 0; i < draws; ++i) {
      RunSpec spec = resolve(file, layers, grid, index, drawn[i]);
      spec.draw = static_cast<int64_t>(i);
      spec.grid_point.emplace_back("draw", std::to_string(i));
      runs.push_back(std::move(spec));
    }
  }
  return runs;
}

}  // namespace

void check_same_level(const SweepYaml& file, const Layer& layer) {
  const auto& s = layer.settings;
  for (std::size_t i = 0; i < s.size(); ++i) {
    for (std::size_t j = i + 1; j < s.size(); ++j) {
      if (s[i].key == s[j].key || !overlaps(s[i].key, s[j].key)) continue;
      const std::string& shorthand = setting_fields(s[i].key).size() > 1 ? s[i].key : s[j].key;
      const auto fields = setting_fields(shorthand);
      file.fail(std::max(s[i].line, s[j].line),
                fmt::format("{} (line {}) and {} (line {}) are both set in {}; {} sets both {} "
                            "and {}, so use {} alone or {}/{}",
                            s[i].key, s[i].line, s[j].key, s[j].line, layer.where, shorthand,
                            fields[0], fields[1], shorthand, fields[0], fields[1]));
    }
  }
}

void check_variants_vs_grid(const SweepYaml& file, const SweepLayers& layers) {
  for (const auto& d : layers.sample.keys) {
    for (const auto& grid : layers.grids)
      for (const auto& g : grid)
        if (overlaps(d.key, g.key))
          file.fail(std::max(d.line, g.line),
                    fmt::format("key '{}' is drawn by sample (line {}) and swept by grid key '{}' "
                                "(line {}); keep it in one of them",
                                d.key, d.line, g.key, g.line));
    for (const auto& [variant, layer] : layers.variants)
      for (const auto& s : layer.settings)
        if (overlaps(d.key, s.key))
          file.fail(std::max(d.line, s.line),
                    fmt::format("key '{}' is drawn by sample (line {}) and set in {} (line {}); "
                                "remove one",
                                d.key, d.line, layer.where, s.line));
  }
  for (const auto& [variant, layer] : layers.variants) {
    for (const auto& s : layer.settings) {
      for (const auto& grid : layers.grids) {
        for (const auto& g : grid) {
          if (!overlaps(s.key, g.key)) continue;
          const bool same = s.key == g.key;
          const std::string what = same ? fmt::format("key '{}'", s.key)
                                        : fmt::format("keys '{}' and '{}'", s.key, g.key);
          file.fail(std::max(s.line, g.line),
                    fmt::format("{} {} set both in {} (line {}) and in grid (line {}); set {} in "
                                "one place",
                                what, same ? "is" : "are", layer.where, s.line, g.line,
                                same ? "it" : "them"));
        }
      }
    }
  }
}

void expand_grid(const SweepYaml& file, const SweepLayers& layers, SweepPlan& plan) {
  std::vector<SubGrid> grids = layers.grids;
  if (grids.empty()) grids.emplace_back();  // no grid: the one point of the layers
  const auto draws = static_cast<uint64_t>(layers.sample.keys.empty() ? 0 : layers.sample.count);
  uint64_t total = 0;
  std::map<std::string, int> first_line;  // every resolved point's settings -> its grid line
  for (const auto& grid : grids) {
    uint64_t points = 1;
    for (const auto& g : grid) {
      if (!contains(plan.grid_keys, g.key)) plan.grid_keys.push_back(g.key);
      points *= g.values.size();
      if (total + points * std::max<uint64_t>(draws, 1) > kMaxGridPoints)
        file.fail(g.line,
                  fmt::format("the grid has more than {} points; split the sweep", kMaxGridPoints));
    }
    if (total + points * std::max<uint64_t>(draws, 1) > kMaxGridPoints)
      file.fail(layers.sample.line, fmt::format("the grid and its sample draws make more than {} "
                                                "runs; split the sweep",
                                                kMaxGridPoints));
    total += points * std::max<uint64_t>(draws, 1);
    // Odometer over this sub-grid: the last key varies fastest.
    std::vector<RunSpec> runs;
    std::vector<std::vector<std::size_t>> indices;
    std::vector<std::size_t> index(grid.size(), 0);
    for (uint64_t p = 0; p < points; ++p) {
      indices.push_back(index);
      runs.push_back(resolve(file, layers, grid, index, {}));
      for (std::size_t k = grid.size(); k-- > 0;) {
        if (++index[k] < grid[k].values.size()) break;
        index[k] = 0;
      }
    }
    check_distinct(file, grid, runs, indices);
    if (draws > 0) runs = crossed_with_draws(file, layers, grid, indices, draws);
    // A point another sub-grid already has is the same run (a baseline shared by ablations).
    // Draws are runs of their own even when two draw the same values (a choice-only sample).
    for (auto& run : runs)
      if (first_line.emplace(point_key(run), line_of(grid)).second)
        plan.runs.push_back(std::move(run));
  }
  // Drawn keys name runs by their draw (-d<i>), not by their values.
  plan.varying_keys = varying_keys(plan.grid_keys, plan.runs);
  for (const auto& d : layers.sample.keys) {
    plan.sampled_keys.push_back(d.key);
    plan.grid_keys.push_back(d.key);
  }
  if (draws > 0) plan.grid_keys.push_back("draw");
  std::map<std::string, std::size_t> by_id;
  for (std::size_t i = 0; i < plan.runs.size(); ++i) {
    RunSpec& run = plan.runs[i];
    run.id = make_run_id(run.settings, plan.varying_keys, run.draw);
    auto [it, fresh] = by_id.emplace(run.id, i);
    if (!fresh)
      file.fail(first_line[point_key(run)],
                fmt::format("the grid gives two runs the same run id '{}' (settings that differ "
                            "only in keys that do not name runs, e.g. where the data lives); "
                            "make them differ in a grid key",
                            run.id));
  }
}

}  // namespace ganrun
