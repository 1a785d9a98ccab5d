// runner/random_search.h — the sweep file's `sample:` section: random search as compare_gan ran
// it (Lucic et al. 2018: lr from 10^U[-5,-2], n_critic from {1..5}, beta1 from U[0,1], N draws).
// Draw i's value of a key is a function of (sample seed, i, key) alone, so the draws are
// reproducible from the file, shared by every grid point they are crossed with, and unchanged
// when a key is added to or removed from the section. Reads YAML nodes; expands nothing
// (runner/grid_expansion.cpp crosses the draws with the grid).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "runner/sweep_yaml.h"

namespace ganrun {

struct SampledKey {
  std::string key;
  int line = 0;
  std::string distribution;      // log_uniform | uniform | choice
  double low = 0, high = 0;      // log_uniform, uniform: the interval [low, high)
  std::vector<Setting> choices;  // choice: the values, each drawn with probability 1/n
};

struct SampleSection {
  int line = 0;
  int64_t count = 0;  // draws
  uint64_t seed = 0;
  std::vector<SampledKey> keys;  // in file order
};

// `sample: {count: N, seed: S, <key>: {<distribution>: [...]}, ...}`. Fails at file:line for a
// missing or bad count or seed, a key that is not a per-run setting (or is `variant`), an
// unknown distribution, low >= high (or low <= 0 for log_uniform), an empty choice, or a value
// the key's own rule refuses (n_critic drawn from a uniform, an lr <= 0 in a choice).
SampleSection parse_sample_section(const SweepYaml& yaml, int key_line, const YAML::Node& n);

// The number in [0, 1) of (seed, draw, key): the first 16 hex digits of
// SHA-256("<seed>:<draw>:<key>") as a 64-bit integer, its top 53 bits times 2^-53.
double keyed_uniform(uint64_t seed, int64_t draw, const std::string& key);

// Draw `draw`'s value of every key of the section, as settings (file order), each checked by
// its key's rule. Floats are drawn, then written with 6 significant digits (what the run file,
// the run id's hash and sweep.h5 hold).
std::vector<Setting> draw_settings(const SweepYaml& yaml, const SampleSection& section,
                                   int64_t draw);

}  // namespace ganrun
