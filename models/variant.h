// models/variant.h — what a GAN variant is to the step loop: a small object with its critic
// (discriminator) step, its generator step and the metrics it records. The loop in runner/ is
// written once and drives any variant through this interface.
//
// Model code knows nothing of ranks or files: a run split over k processes shows up here only
// as a BatchSlice (which part of the global batch this process holds), a BatchReducer (sums a
// quantity over the whole global batch) and a GradientSync hook (averages gradients after each
// backward); single-process runs get the identity versions.
#pragma once

#include <torch/nn/module.h>
#include <torch/serialize/archive.h>
#include <torch/types.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/metric_accumulator.h"
#include "models/run_random.h"

namespace ganrun::models {

// The part of a run's global batch that this process computes: rows [offset, offset + count).
struct BatchSlice {
  int64_t global_batch = 0;
  int64_t offset = 0;
  int64_t count = 0;
};

// How z is drawn: N(0, 1) (default), U[0, 1) (the collection), U[-1, 1) (CS231n).
enum class ZDist { kNormal, kUniform01, kUniformPm1 };
ZDist parse_z_dist(const std::string& name);  // normal | uniform01 | uniform_pm1

// z [rows, z_dim] from `dist`, drawn in float64 on the CPU from the keyed generator (seed,
// step, purpose, sub), then converted to `options`.
torch::Tensor draw_z(int64_t rows, int64_t z_dim, uint64_t seed, uint64_t step, Purpose purpose,
                     uint64_t sub, ZDist dist, const torch::TensorOptions& options);

// Every per-sample random draw of a step, made for the whole global batch as if by one process
// (keyed by seed, step, purpose and a sub-index), then sliced to this process's rows: the
// numbers do not depend on how many processes share a run (ARCHITECTURE.md's sample-order rule).
// A packed run's source holds one seed per member and joins the members' own draws in the
// packed layout (models/pack_ops.h): each member sees exactly the numbers it would alone.
//
// A captured step (CUDA graphs, runner/step_graph.h) cannot draw on the host inside the graph:
// the source then keeps a tape. Recording, every draw also lands in a buffer of its own and the
// call is remembered; serving, the calls return those buffers in the recorded order; restage(s)
// redraws every recorded call for step s into its buffer before a replay. The numbers are the
// same keyed draws as without a tape.
enum class DrawTape { kOff, kRecord, kServe };

class NoiseSource {
 public:
  NoiseSource(uint64_t seed, int64_t z_dim, BatchSlice slice, torch::TensorOptions options,
              ZDist dist = ZDist::kNormal);
  NoiseSource(std::vector<uint64_t> member_seeds, int64_t z_dim, BatchSlice slice,
              torch::TensorOptions options, ZDist dist = ZDist::kNormal);
  torch::Tensor z(int64_t step, uint64_t sub) const;  // [slice.count, K*z_dim], from `dist`
  // U[0, 1) of shape [slice.count, cols...] (per-sample interpolation factors, DRAGAN's
  // perturbation, latent codes), keyed by (step, purpose, sub). Packed: `per_sample_shape` is a
  // member's; the result [count, K*cols0, cols1...], or [count, K] for per-sample scalars.
  torch::Tensor uniform01(int64_t step, uint64_t purpose, uint64_t sub,
                          std::vector<int64_t> per_sample_shape) const;
  // Class indices int64 [slice.count] uniform over [0, classes) (InfoGAN's categorical code).
  torch::Tensor categorical(int64_t step, uint64_t purpose, uint64_t sub, int64_t classes) const;
  int64_t z_dim() const { return z_dim_; }
  int64_t members() const { return static_cast<int64_t>(seeds_.size()); }
  const BatchSlice& slice() const { return slice_; }
  const torch::TensorOptions& options() const { return options_; }

  // The tape (see above). Recording starts a new tape; serving restarts at its first call.
  void set_tape(DrawTape mode);
  // Redraws every recorded call for `step` into its buffer (asynchronously on CUDA).
  void restage(int64_t step);
  size_t taped_draws() const { return tape_.size(); }
  // The recorded tape's draws in call order (what a step drew while recording; the independent
  // checks of tests/ feed them to their own implementation).
  std::vector<torch::Tensor> recorded_draws() const;

 private:
  // One draw call: its host draw for a given step (this process's rows, final dtype) and the
  // device buffer it is served from.
  struct TapedDraw {
    std::function<torch::Tensor(int64_t)> host_draw;
    torch::Tensor buffer;
  };
  // The draw of `host_draw` at `step`, on the device, through the tape when one is on.
  torch::Tensor deliver(int64_t step, std::function<torch::Tensor(int64_t)> host_draw) const;
  torch::Tensor rows(const torch::Tensor& global) const;  // this process's slice of a draw
  mutable std::vector<TapedDraw> tape_;
  mutable size_t served_ = 0;
  DrawTape mode_ = DrawTape::kOff;
  std::vector<uint64_t> seeds_;
  int64_t z_dim_;
  BatchSlice slice_;
  torch::TensorOptions options_;
  ZDist dist_;
};

// Sums a per-process partial quantity over the run's global batch (across processes).
class BatchReducer {
 public:
  virtual ~BatchReducer() = default;
  virtual torch::Tensor sum(const torch::Tensor& partial) const = 0;
};

class LocalReducer final : public BatchReducer {
 public:
  torch::Tensor sum(const torch::Tensor& partial) const override { return partial; }
};

// A batch-wide sum that gradients flow through: this process's partial keeps its graph, the
// other processes' share is added as a constant. With gradients averaged over k processes, a
// loss built on it must be multiplied by k (= global_batch / count, see coupled_scale) so the
// averaged gradient equals the one-process gradient. Used by EBGAN's batch hinge and
// pull-away term (see models/README or ARCHITECTURE.md's sample-order rule).
torch::Tensor coupled_sum(const BatchReducer& reducer, const torch::Tensor& partial);
double coupled_scale(const BatchSlice& slice);

// Called between backward() and the optimizer step with the module whose gradients must be
// averaged across the run's processes. No-op for a single process.
using GradientSync = std::function<void(torch::nn::Module&)>;

struct StepContext {
  int64_t step = 0;         // generator step (0-based)
  int64_t epoch = 0;        // data epoch of this step (for epoch-driven lr schedules)
  bool epoch_end = false;   // the last step of an epoch
  int64_t critic_iter = 0;  // critic update within the step, 0..n_critic-1
  const NoiseSource* noise = nullptr;
  const BatchReducer* reducer = nullptr;
  const GradientSync* sync_gradients = nullptr;
};

// This process's slice of a real batch, already in the training range and dtype.
struct RealBatch {
  torch::Tensor images;  // [count, C, H, W]
  torch::Tensor labels;  // int64 [count]
};

// A named tensor of a model's state (parameters and floating-point buffers).
using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

class Variant {
 public:
  virtual ~Variant() = default;
  // Metric names besides step and wall_s, in the order they are stored.
  virtual const std::vector<std::string>& metric_names() const = 0;
  virtual void discriminator_step(const RealBatch& real, const StepContext& ctx,
                                  MetricAccumulator& metrics) = 0;
  virtual void generator_step(const StepContext& ctx, MetricAccumulator& metrics) = 0;
  // Images [B, C, H, W] in the training range, drawn in eval mode (BatchNorm running stats).
  virtual torch::Tensor sample(const torch::Tensor& z) = 0;
  virtual NamedTensors generator_state() = 0;
  virtual void load_generator_state(const NamedTensors& state) = 0;
  // Every network of the run (G, D and any extra), for the start-of-run broadcast of a
  // data-parallel group and for the equivalence tests.
  virtual std::vector<std::shared_ptr<torch::nn::Module>> networks() = 0;
  // Rows of fixed noise the sample grid is drawn from: 64 (8x8 grid); conditional variants
  // take 10 and return 100 images, 10 noise rows x 10 classes (the collection's grid).
  virtual int64_t fixed_noise_rows() const { return 64; }
  // Images sample() returns for fixed_noise_rows() rows of noise (64, or 100 for the 10x10
  // class-by-noise grid of conditional variants).
  virtual int64_t samples_per_grid() const { return 64; }
  // End-of-step hook (BEGAN's lr schedule, ...). Called once per generator step.
  virtual void end_step(const StepContext&, MetricAccumulator&) {}
  // Packed runs: member `k` diverged; its parameters get no update from now on.
  virtual void freeze_member(int64_t /*member*/) {}
  // Why this variant's critic and generator updates cannot be captured as one CUDA graph (host
  // control flow or state a replay would not update); "" when they can (runner/step_graph.h).
  virtual std::string graph_refusal() const { return ""; }
  // Before the first step of a captured run: optimisers whose step count and learning rates
  // live on the device (a replay runs no host code).
  virtual void use_capturable_optimizers() {}
  // Everything training needs to go on exactly from here (a checkpoint, runner/checkpoint.h):
  // every network's parameters and buffers, the optimisers' moments, step counts and learning
  // rates, and the variant's own state (BEGAN's k_t, M and schedule reference, mlp-deep's
  // dropout generators). Loaded into a variant built from the same config, before its first
  // step; throws when the archive does not fit it.
  // The base refuses (std::logic_error): every variant of models/ overrides both.
  virtual void save_training_state(torch::serialize::OutputArchive& archive);
  virtual void load_training_state(torch::serialize::InputArchive& archive);
};

// One net's optimiser: adam | rmsprop | sgd and its hyper-parameters.
struct OptimizerConfig {
  std::string kind = "adam";
  double lr = 2e-4;
  double beta1 = 0.5, beta2 = 0.999;  // adam
  double alpha = 0.99;                // rmsprop smoothing
  double momentum = 0.0;              // rmsprop, sgd
  double weight_decay = 0.0;
};

// Everything a variant needs to build its nets and optimizers. Every field is a run setting
// (runner/run_settings.h has the same names); defaults are each paper's unless noted.
struct VariantConfig {
  std::string variant = "gan";
  std::string arch = "mlp";
  int64_t z_dim = 100;
  int64_t channels = 1, height = 28, width = 28;  // from the data set; toy: 2 x 1 x 1
  int64_t classes = 10;                           // labels of the data set (cgan/acgan/infogan)
  OptimizerConfig opt_g, opt_d;
  // Variant settings.
  std::string g_loss = "nonsat";  // gan: nonsat | minimax
  std::string clip = "weights";   // wgan: weights (paper) | all (every D parameter)
  double clip_value = 0.01;       // wgan
  double gp_lambda = 10.0;        // wgan-gp and dragan penalty weight
  // wgan, wgan-gp, lsgan: the losses see the critic's raw output (linear) or its sigmoid, as
  // the collection's 2017 critics (WGAN.py, WGAN_GP.py, LSGAN.py at 12ea10f) ended in one.
  std::string critic_output = "linear";
  // lsgan: the squared errors halved as in the paper (half) or not (one: LSGAN.py's MSELoss).
  std::string ls_scale = "half";
  // dragan: the penalty on the gradient of D's logit (logit) or of its sigmoid (sigmoid:
  // DRAGAN.py differentiates D's output, which ends in nn.Sigmoid).
  std::string penalty_output = "logit";
  // infogan: the real/fake logit is D's output column 0, a unit of its own (own), or column 1,
  // the unit that also predicts the first continuous code (shared: infoGAN.py's
  // x[:, self.output_dim] with output_dim 1).
  std::string info_source = "own";
  // Every variant: the generator update draws fresh noise (fresh) or reuses the z, labels and
  // codes of the step's last critic update (reused: every collection file's G_ = self.G(z_)).
  std::string generator_noise = "fresh";
  std::string bn_init = "ones";     // BatchNorm weights at init: ones | uniform (PyTorch 0.4)
  std::string critic_norm = "";     // "" = the arch's own; none | layer | batch (wgan-gp, ae*)
  std::string generator_norm = "";  // "" = the arch's own; none (dcgan28 / ae28 generator)
  std::string hinge = "sample";     // ebgan: sample (paper) | batch (collection)
  std::string pullaway = "paper";   // ebgan: paper | collection
  // ebgan: the generator's energy ||D(G(z)) - G(z)||^2 with its target G(z) attached (paper:
  // the gradient flows through both sides) | detached (EBGAN.py's G_.detach(): only through D).
  std::string energy_target = "attached";
  double margin = 1.0;               // ebgan
  double pt_weight = 0.1;            // ebgan pull-away weight
  double gamma = 0.5;                // began
  double lambda_k = 1e-3;            // began
  std::string lr_schedule = "none";  // began: none | collection (halve on stalled M)
  double info_weight = 1.0;          // infogan: weight of the information loss
  bool info_optimizer = false;       // infogan: the collection's separate optimiser
  // Architecture settings.
  int64_t toy_depth = 3, toy_width = 512;  // toy: hidden layers and width of G and D
  int64_t base_width = 64;                 // dcgan32: channels of the widest G/D layer / 4
  uint64_t seed = 0;                       // parameter initialisation is keyed by it
  torch::Dtype dtype = torch::kFloat32;
  torch::Device device = torch::kCPU;
  // A packed run (models/pack_ops.h): what each member has of its own, one entry per member;
  // empty for an unpacked run. Everything else is shared by construction.
  struct PackMember {
    uint64_t seed = 0;
    OptimizerConfig opt_g, opt_d;
  };
  std::vector<PackMember> pack;
  int64_t members() const { return pack.empty() ? 1 : static_cast<int64_t>(pack.size()); }
};

// The variants ganrun knows, in the order help texts list them (gan, lsgan, ..., began).
const std::vector<std::string>& variant_names();
// Architectures a variant accepts (empty for an unknown variant).
const std::vector<std::string>& accepted_archs(const std::string& variant);
// True for cgan, acgan (and infogan's collection preset does not need labels).
bool needs_labels(const std::string& variant);

// Throws std::invalid_argument naming the variant/arch when the pair is unknown or rejected.
std::unique_ptr<Variant> make_variant(const VariantConfig& config);

// Why a variant and arch cannot train packed ("" when they can): every variant packs on every
// arch it accepts; an unknown variant or an arch without a packed form is named.
std::string pack_refusal(const std::string& variant, const std::string& arch);

// A packed run of `members` (configs equal but for seed, learning rates and betas): each
// member built and initialised exactly as its unpacked run (returned in `member_variants`, the
// views evaluation, sample grids and run files read after copy_members), then stacked into one
// variant with members.size() members. Throws std::invalid_argument (pack_refusal) otherwise.
struct PackedVariant {
  std::unique_ptr<Variant> packed;
  std::vector<std::unique_ptr<Variant>> members;
  // Copies the packed nets' member slices into the member variants' nets.
  void copy_members();
  void copy_member(int64_t k);
};
PackedVariant make_packed_variant(const std::vector<VariantConfig>& members);

}  // namespace ganrun::models
