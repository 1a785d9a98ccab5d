// runner/run_settings.h — the settings of one run (one grid point), after every layer of the
// sweep file (preset < top level < variants.<v> < grid point) or the `ganrun train` flags has
// been applied. Plain data: parsing lives in sweep_config, validation in validate().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ganrun {

struct RunSettings {
  // What is trained.
  std::string variant = "gan";            // gan (later issues: lsgan, wgan, wgan-gp, ...)
  std::string arch = "mlp";               // mlp (later: mlp-small, dcgan28, ae28, toy, ...)
  std::string dataset = "fashion-mnist";  // mnist | fashion-mnist
  std::string data_dir;                   // "" = $GANRUN_DATA/<dataset>, else the dataset's default
  std::string split = "train";            // train | test
  // Optimisation (Adam for both nets in this issue).
  double lr_g = 2e-4;
  double lr_d = 2e-4;
  double beta1 = 0.5;
  double beta2 = 0.999;
  int64_t n_critic = 1;  // critic (D) updates per generator update
  int64_t batch = 64;    // global batch of the run
  int64_t epochs = 0;    // exactly one of epochs / steps is > 0
  int64_t steps = 0;
  int64_t seed = 0;
  int64_t z_dim = 100;
  std::string dtype = "float32";  // float32 | float64 (data, noise and models)
  // Bookkeeping.
  int64_t log_every = 100;     // metric rows and progress lines, in steps
  int64_t sample_every = 500;  // fixed-noise sample grids, in steps (0 = only at the end)
};

// `epochs` when a sweep or the flags set neither epochs nor steps.
inline constexpr int64_t kDefaultEpochs = 30;

// The per-run keys a sweep may set at top level, in variants.<v>, or as grid keys, in the
// canonical order used for run ids and for the resolved YAML. Includes the two shorthands
// `lr` (sets lr_g and lr_d) and `betas` ([beta1, beta2]), which are not fields of their own.
const std::vector<std::string>& run_setting_keys();

// The range/vocabulary rule for one per-run key: "" when the value is allowed, else the
// message naming the key ("lr must be > 0 (got -1)", "variant 'wgan' is not implemented yet
// in this version of ganrun (implemented: gan)"). `got` is how the value is shown (the sweep
// file's own text; empty = format `value`). Shared by validate() and the sweep parser, so a
// flag and a sweep key get the same message.
std::string setting_error(const std::string& key, double value, const std::string& got = "");
std::string setting_error(const std::string& key, const std::string& value);

// Throws ConfigError naming the key when a value is out of range (lr_g <= 0, batch < 1, an
// unimplemented variant, both or neither of epochs/steps, ...). No file context: the message
// starts with the key (e.g. "lr_g must be > 0 (got -1)"); callers with a location prefix it.
void validate(const RunSettings& s);

// The resolved settings as YAML text, one `key: value` line per field in canonical order
// (written to /config and hashed into run ids). Floats use canonical_float, strings are quoted
// only when yaml-cpp would not read them back as the same string.
std::string to_yaml(const RunSettings& s);

// The canonical text of one per-run key's value (any key of run_setting_keys()): floats via
// canonical_float, integers plain, strings as they are, betas "b1,b2". Used for grid points
// and run ids. Throws std::invalid_argument for a key that is not a per-run key.
std::string setting_text(const RunSettings& s, const std::string& key);

// Canonical text for a float in ids, tables and the resolved YAML: the shortest round-trip
// digits as mantissa 'e' exponent, no '+' and no leading zeros in the exponent, e.g. 2e-4,
// 1.5e-3, 5e-1, 1e0, 1e1 (inf/nan as "inf", "-inf", "nan").
std::string canonical_float(double v);

}  // namespace ganrun
