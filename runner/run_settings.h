// runner/run_settings.h — the settings of one run (one grid point), after every layer of the
// sweep file (preset < top level < variants.<v> < grid point) or the `ganrun train` flags has
// been applied. Plain data: parsing lives in sweep_config, validation in validate().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runner/setting_text.h"  // canonical_float

namespace ganrun {

struct RunSettings {
  // What is trained.
  std::string preset;                     // "" (none) | collection | paper | cs231n | toy-2d
  std::string variant = "gan";            // gan | lsgan | wgan | wgan-gp | dragan | cgan | ...
  std::string arch = "mlp";               // mlp | mlp-small | mlp-deep | dcgan28 | ae28 | toy | ...
  std::string dataset = "fashion-mnist";  // mnist | fashion-mnist | cifar10 | toy-ring8 | ...
  std::string data_dir;                   // "" = $GANRUN_DATA/<dataset>, else the dataset's default
  std::string split = "train";            // train | test
  // Optimisation: one optimiser per net.
  std::string optimizer_g = "adam";  // adam | rmsprop | sgd
  std::string optimizer_d = "adam";
  double lr_g = 2e-4;
  double lr_d = 2e-4;
  double beta1 = 0.5;  // adam
  double beta2 = 0.999;
  double momentum = 0.0;        // rmsprop, sgd
  double rmsprop_alpha = 0.99;  // rmsprop smoothing constant
  double weight_decay = 0.0;    // of the critic's optimiser (one WGAN-GP recipe: 1e-3)
  int64_t n_critic = 1;         // critic (D) updates per generator update
  int64_t batch = 64;           // global batch of the run
  int64_t epochs = 0;           // exactly one of epochs / steps is > 0
  int64_t steps = 0;
  int64_t seed = 0;
  int64_t z_dim = 100;
  std::string z_dist = "normal";    // normal | uniform01 | uniform_pm1
  std::string pixel_range = "pm1";  // pm1 ([-1, 1]) | 01 ([0, 1], still a tanh generator)
  std::string dtype = "float32";    // float32 | float64 (data, noise and models)
  // none | tf32: TF32 in CUDA matrix products and convolutions while the run trains (float32
  // only; no effect on the CPU). Off by default so that numbers stay comparable.
  std::string reduced_precision = "none";
  // Variant settings (each read only by the variants it names).
  std::string g_loss = "nonsat";          // gan: nonsat | minimax
  std::string clip = "weights";           // wgan: weights | all
  double clip_value = 0.01;               // wgan
  double gp_lambda = 10.0;                // wgan-gp, dragan
  std::string critic_output = "linear";   // wgan, wgan-gp, lsgan: linear | sigmoid (2017 code)
  std::string ls_scale = "half";          // lsgan: half (paper) | one (LSGAN.py's MSELoss)
  std::string penalty_output = "logit";   // dragan: logit | sigmoid (DRAGAN.py)
  std::string info_source = "own";        // infogan real/fake column: own (0) | shared (1)
  std::string generator_noise = "fresh";  // every variant: fresh | reused (the collection's z_)
  std::string bn_init = "ones";           // BatchNorm weights at init: ones | uniform (PyTorch 0.4)
  // skip | critic: an epoch's batches left over by its steps (batches mod n_critic) are skipped,
  // or each gets a critic-only update after the epoch's last step (WGAN.py, WGAN_GP.py).
  std::string epoch_tail = "skip";
  std::string critic_norm = "auto";  // auto (wgan-gp: none, else the arch's) | none | layer | batch
  std::string g_norm = "auto";       // auto (the arch's) | none: no BatchNorm in dcgan28/ae28's G
  std::string hinge = "sample";      // ebgan: sample | batch
  std::string pullaway = "paper";    // ebgan: paper | collection
  std::string energy_target = "attached";  // ebgan G energy target: attached | detached
  double margin = 1.0;                     // ebgan
  double pt_weight = 0.1;                  // ebgan
  double gamma = 0.5;                      // began
  double lambda_k = 1e-3;                  // began
  std::string lr_schedule = "none";        // began: none | collection
  double info_weight = 1.0;                // infogan
  std::string info_optimizer = "joint";    // infogan: joint | separate (the collection's)
  // Architecture settings.
  int64_t toy_depth = 3;    // toy: hidden layers of G and D
  int64_t toy_width = 512;  // toy: units per hidden layer
  int64_t base_width = 64;  // dcgan32: width of the narrowest conv layer
  // Bookkeeping. The intervals count steps (N > 0) or epochs (stored as -N, written
  // {epochs: N} in YAML and "Nep" in flags and run ids; interval_steps resolves them).
  int64_t log_every = 100;           // metric rows and progress lines
  int64_t sample_every = 500;        // fixed-noise sample grids (0 = only at the end)
  int64_t eval_every = 0;            // evaluation points (0 = no evaluation; toy runs: at the end)
  std::string eval_at_start = "no";  // yes: also score the untrained generator, at step 0
  int64_t eval_samples = 2000;       // generated (and real) images per evaluation point
  // Checkpoints to resume from (runner/checkpoint.h; 0 = none, only on demand: preemption).
  int64_t checkpoint_every = 0;
};

// True for the interval keys (log_every, sample_every, eval_every, checkpoint_every), which take
// {epochs: N}.
bool is_interval_key(const std::string& key);

// An interval's steps: N for N steps, N x steps_per_epoch for {epochs: N} (stored -N), 0 for 0.
int64_t interval_steps(int64_t interval, int64_t steps_per_epoch);

// "{epochs: N}" for an interval in epochs, else the number.
std::string interval_yaml(int64_t interval);

// How a per-run key's value is written: a name, a real number, an integer, or the betas pair.
enum class SettingKind { kString, kFloat, kInt, kPair };

// Where a sweep file sets a per-run key outside variants.<v> and grid: at the top level, under
// `train:`, or under `dataset:` (dataset as name, data_dir as dir, split).
enum class SweepPlace { kTopLevel, kTrain, kDataset };

// How one per-run key behaves outside RunSettings (a row of the key table in run_settings.cpp).
struct SettingTraits {
  SettingKind kind = SettingKind::kString;
  SweepPlace place = SweepPlace::kTopLevel;
  const char* id_prefix = "";  // before its value in a run id ("nc" for n_critic); "" = bare value
  bool in_id_hash = true;      // false for data_dir and log_every: the same experiment
  bool flag = true;            // ganrun train --key-with-dashes (not betas: --beta1, --beta2)
  // A setting added after run ids were first issued: left out of the hash while it holds this
  // value (its default, the behaviour before it existed), so older runs keep their ids and
  // resume; any other value is hashed. nullptr: always hashed.
  const char* unhashed_default = nullptr;
};

// Throws std::invalid_argument for a key that is not a per-run key.
const SettingTraits& setting_traits(const std::string& key);
SettingKind setting_kind(const std::string& key);

// The RunSettings fields a key writes: the key itself, or two for the shorthands (lr -> lr_g,
// lr_d; betas -> beta1, beta2; optimizer -> optimizer_g, optimizer_d).
std::vector<std::string> setting_fields(const std::string& key);

// Sets one per-run key of `s` from a value already checked by setting_error (the shorthands
// lr, betas and optimizer set two fields). For kPair, `number` and `second` are beta1/beta2.
void set_setting(RunSettings& s, const std::string& key, const std::string& text, double number,
                 int64_t integer, double second = 0.0);

// Sets one per-run key from its text form ("2e-4", "wgan-gp", "[0.5, 0.9]"); checks the value
// with setting_error and throws ConfigError naming the key when it is not valid. Presets and
// tests use it.
void set_setting_text(RunSettings& s, const std::string& key, const std::string& text);

// The values a name key takes (empty for other keys and for data_dir, which takes any path).
// variant, arch and dataset come from their registries (models/, data/), preset from presets().
std::vector<std::string> setting_choices(const std::string& key);

// `epochs` when a sweep or the flags set neither epochs nor steps.
inline constexpr int64_t kDefaultEpochs = 30;

// The per-run keys a sweep may set at top level, in variants.<v>, or as grid keys, in the
// canonical order used for run ids and for the resolved YAML. Includes the two shorthands
// `lr` (sets lr_g and lr_d) and `betas` ([beta1, beta2]), which are not fields of their own.
const std::vector<std::string>& run_setting_keys();

// The range/vocabulary rule for one per-run key: "" when the value is allowed, else the
// message naming the key ("lr must be > 0 (got -1)", "variant 'wgn' is not a known variant
// (did you mean 'wgan'?)"). `got` is how the value is shown (the sweep
// file's own text; empty = format `value`). Shared by validate() and the sweep parser, so a
// flag and a sweep key get the same message.
std::string setting_error(const std::string& key, double value, const std::string& got = "");
std::string setting_error(const std::string& key, const std::string& value);

// Throws ConfigError naming the key when a value is out of range (lr_g <= 0, batch < 1, an
// unimplemented variant, both or neither of epochs/steps, ...). No file context: the message
// starts with the key (e.g. "lr_g must be > 0 (got -1)"); callers with a location prefix it.
void validate(const RunSettings& s);

// "" when the variant accepts the architecture and the dataset's image shape fits it, else the
// message naming both and the fix (runner/variant_config.cpp; called by validate()).
std::string compatibility_error(const RunSettings& s);

// The resolved settings as YAML text, one `key: value` line per field in canonical order
// (written to /config and hashed into run ids). Floats use canonical_float, strings are quoted
// only when yaml-cpp would not read them back as the same string.
std::string to_yaml(const RunSettings& s);

// The canonical text of one per-run key's value (any key of run_setting_keys()): floats via
// canonical_float, integers plain, strings as they are, betas "b1,b2". Used for grid points
// and run ids. Throws std::invalid_argument for a key that is not a per-run key.
std::string setting_text(const RunSettings& s, const std::string& key);

}  // namespace ganrun
