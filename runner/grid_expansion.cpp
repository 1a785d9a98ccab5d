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

// One grid point, `index` picking a value of each grid key.
RunSpec resolve(const SweepYaml& file, const SweepLayers& layers,
                const std::vector<std::size_t>& index, const std::vector<std::string>& varying) {
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
  for (std::size_t k = 0; k < layers.grid.size(); ++k)
    if (layers.grid[k].key == "variant") variant = layers.grid[k].values[index[k]].str;
  if (auto it = layers.variants.find(variant); it != layers.variants.end())
    for (const auto& s : it->second.settings) apply_all(s);
  for (std::size_t k = 0; k < layers.grid.size(); ++k) apply_all(layers.grid[k].values[index[k]]);

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
  for (const auto& g : layers.grid) spec.grid_point.emplace_back(g.key, setting_text(r, g.key));
  spec.id = make_run_id(r, varying);
  return spec;
}

// Two grid points with the same settings, or the same id, are an error naming the first grid
// key whose values differ between them.
void check_distinct(const SweepYaml& file, const SweepLayers& layers,
                    const std::vector<RunSpec>& runs,
                    const std::vector<std::vector<std::size_t>>& indices) {
  const auto& grid = layers.grid;
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
  std::map<std::string, std::size_t> by_settings, by_id;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    auto [s, fresh_s] = by_settings.emplace(to_yaml(runs[i].settings), i);
    if (!fresh_s) clash(s->second, i, "give two runs the same settings; remove the duplicate");
    auto [d, fresh_d] = by_id.emplace(runs[i].id, i);
    if (!fresh_d)
      clash(d->second, i,
            fmt::format("give two runs the same run id '{}'; use values that differ in letters "
                        "or digits",
                        runs[i].id));
  }
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
  for (const auto& [variant, layer] : layers.variants) {
    for (const auto& s : layer.settings) {
      for (const auto& g : layers.grid) {
        if (!overlaps(s.key, g.key)) continue;
        const bool same = s.key == g.key;
        const std::string what =
            same ? fmt::format("key '{}'", s.key) : fmt::format("keys '{}' and '{}'", s.key, g.key);
        file.fail(std::max(s.line, g.line),
                  fmt::format("{} {} set both in {} (line {}) and in grid (line {}); set {} in "
                              "one place",
                              what, same ? "is" : "are", layer.where, s.line, g.line,
                              same ? "it" : "them"));
      }
    }
  }
}

void expand_grid(const SweepYaml& file, const SweepLayers& layers, SweepPlan& plan) {
  const auto& grid = layers.grid;
  uint64_t total = 1;
  for (const auto& g : grid) {
    plan.grid_keys.push_back(g.key);
    if (g.values.size() > 1) plan.varying_keys.push_back(g.key);
    total *= g.values.size();
    if (total > kMaxGridPoints)
      file.fail(g.line,
                fmt::format("the grid has more than {} points; split the sweep", kMaxGridPoints));
  }
  // Odometer over the grid: the last key varies fastest.
  std::vector<std::vector<std::size_t>> indices;
  std::vector<std::size_t> index(grid.size(), 0);
  for (uint64_t p = 0; p < total; ++p) {
    indices.push_back(index);
    plan.runs.push_back(resolve(file, layers, index, plan.varying_keys));
    for (std::size_t k = grid.size(); k-- > 0;) {
      if (++index[k] < grid[k].values.size()) break;
      index[k] = 0;
    }
  }
  check_distinct(file, layers, plan.runs, indices);
}

}  // namespace ganrun
