// models/variant.cpp — NoiseSource, the coupled batch sum, and the variant factory (which
// variant x arch pairs exist).
#include "models/variant.h"

#include <ATen/ops/randint.h>

#include <algorithm>
#include <stdexcept>

#include "models/nets.h"
#include "models/pack_ops.h"
#include "models/run_random.h"
#include "models/variant_families.h"

namespace ganrun::models {

ZDist parse_z_dist(const std::string& name) {
  if (name == "normal") return ZDist::kNormal;
  if (name == "uniform01") return ZDist::kUniform01;
  if (name == "uniform_pm1") return ZDist::kUniformPm1;
  throw std::invalid_argument("unknown z_dist '" + name +
                              "' (known: normal, uniform01, uniform_pm1)");
}

NoiseSource::NoiseSource(uint64_t seed, int64_t z_dim, BatchSlice slice,
                         torch::TensorOptions options, ZDist dist)
    : NoiseSource(std::vector<uint64_t>{seed}, z_dim, slice, options, dist) {}

NoiseSource::NoiseSource(std::vector<uint64_t> member_seeds, int64_t z_dim, BatchSlice slice,
                         torch::TensorOptions options, ZDist dist)
    : seeds_(std::move(member_seeds)),
      z_dim_(z_dim),
      slice_(slice),
      options_(options),
      dist_(dist) {}

torch::Tensor NoiseSource::rows(const torch::Tensor& global) const {
  if (slice_.offset == 0 && slice_.count == slice_.global_batch) return global;
  return global.narrow(0, slice_.offset, slice_.count);
}

void NoiseSource::set_tape(DrawTape mode) {
  mode_ = mode;
  if (mode == DrawTape::kRecord) tape_.clear();
  served_ = 0;
}

std::vector<torch::Tensor> NoiseSource::recorded_draws() const {
  std::vector<torch::Tensor> draws;
  for (const auto& entry : tape_) draws.push_back(entry.buffer);
  return draws;
}

void NoiseSource::restage(int64_t step) {
  const bool cuda = options_.device().is_cuda();
  for (auto& entry : tape_) {
    auto host = entry.host_draw(step);
    // Pinned, so the copy is asynchronous: the host never waits for the device here.
    if (cuda) host = host.pin_memory();
    entry.buffer.copy_(host, /*non_blocking=*/cuda);
  }
}

torch::Tensor NoiseSource::deliver(int64_t step,
                                   std::function<torch::Tensor(int64_t)> host_draw) const {
  if (mode_ == DrawTape::kServe) {
    if (served_ >= tape_.size())
      throw std::logic_error("the step draws more random numbers than when its tape was recorded");
    return tape_[served_++].buffer;
  }
  auto drawn = host_draw(step);
  // On CUDA through pinned memory and an asynchronous copy: the host never waits for the device
  // to take a step's noise.
  drawn = options_.device().is_cuda() ? drawn.pin_memory().to(options_.device(), true)
                                      : drawn.to(options_.device());
  if (mode_ == DrawTape::kRecord) tape_.push_back({std::move(host_draw), drawn});
  return drawn;
}

torch::Tensor draw_z(int64_t rows, int64_t z_dim, uint64_t seed, uint64_t step, Purpose purpose,
                     uint64_t sub, ZDist dist, const torch::TensorOptions& options) {
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  if (dist == ZDist::kNormal) return normal_noise(rows, z_dim, seed, step, purpose, sub, options);
  auto gen = keyed_generator(seed, step, purpose, sub);
  auto u = at::empty({rows, z_dim}, f64).uniform_(0.0, 1.0, gen);
  if (dist == ZDist::kUniformPm1) u = u.mul(2.0).sub(1.0);
  return u.to(options);
}

torch::Tensor NoiseSource::z(int64_t step, uint64_t sub) const {
  // Drawn for the global batch, then sliced, so k processes see the same rows as one.
  return deliver(step, [this, sub](int64_t at_step) {
    std::vector<torch::Tensor> draws;
    for (const uint64_t seed : seeds_)
      draws.push_back(draw_z(slice_.global_batch, z_dim_, seed, static_cast<uint64_t>(at_step),
                             Purpose::kNoise, sub, dist_,
                             torch::TensorOptions().dtype(torch::kFloat64)));
    return rows(join_member_draws(draws)).to(options_.dtype());
  });
}

torch::Tensor NoiseSource::uniform01(int64_t step, uint64_t purpose, uint64_t sub,
                                     std::vector<int64_t> per_sample_shape) const {
  std::vector<int64_t> shape{slice_.global_batch};
  shape.insert(shape.end(), per_sample_shape.begin(), per_sample_shape.end());
  return deliver(step, [this, purpose, sub, shape](int64_t at_step) {
    std::vector<torch::Tensor> draws;
    for (const uint64_t seed : seeds_) {
      auto gen =
          keyed_generator(seed, static_cast<uint64_t>(at_step), static_cast<Purpose>(purpose), sub);
      draws.push_back(
          at::empty(shape, torch::TensorOptions().dtype(torch::kFloat64)).uniform_(0.0, 1.0, gen));
    }
    return rows(join_member_draws(draws)).to(options_.dtype());
  });
}

torch::Tensor NoiseSource::categorical(int64_t step, uint64_t purpose, uint64_t sub,
                                       int64_t classes) const {
  return deliver(step, [this, purpose, sub, classes](int64_t at_step) {
    std::vector<torch::Tensor> draws;
    for (const uint64_t seed : seeds_) {
      auto gen =
          keyed_generator(seed, static_cast<uint64_t>(at_step), static_cast<Purpose>(purpose), sub);
      draws.push_back(at::randint(classes, {slice_.global_batch}, gen,
                                  torch::TensorOptions().dtype(torch::kInt64)));
    }
    return rows(join_member_draws(draws));
  });
}

torch::Tensor coupled_sum(const BatchReducer& reducer, const torch::Tensor& partial) {
  // value = the global sum; gradient = that of this process's own partial.
  auto global = reducer.sum(partial.detach());
  return partial + (global - partial.detach());
}

double coupled_scale(const BatchSlice& slice) {
  return static_cast<double>(slice.global_batch) / static_cast<double>(slice.count);
}

namespace {

using Factory = std::unique_ptr<Variant> (*)(const VariantConfig&);

struct VariantEntry {
  Factory make;
  std::vector<std::string> archs;
  bool labels;
};

// In the order ganrun lists them (help texts, README): the unconditional image variants, the
// conditional ones, the auto-encoder ones.
const std::vector<std::pair<std::string, VariantEntry>>& registry() {
  static const std::vector<std::string> unconditional{
      "mlp", "mlp-small", "mlp-deep", "dcgan28", "dcgan28-allconv", "dcgan32", "toy"};
  static const std::vector<std::string> conditional{"mlp", "mlp-small", "mlp-deep", "dcgan28",
                                                    "dcgan32"};
  static const std::vector<std::string> autoencoder{"ae28", "ae32"};
  static const std::vector<std::pair<std::string, VariantEntry>> entries{
      {"gan", {make_gan, unconditional, false}},
      {"lsgan", {make_lsgan, unconditional, false}},
      {"wgan", {make_wgan, unconditional, false}},
      {"wgan-gp", {make_wgan_gp, unconditional, false}},
      {"dragan", {make_dragan, unconditional, false}},
      {"cgan", {make_cgan, conditional, true}},
      {"acgan", {make_acgan, conditional, true}},
      {"infogan", {make_infogan, conditional, false}},
      {"ebgan", {make_ebgan, autoencoder, false}},
      {"began", {make_began, autoencoder, false}},
  };
  return entries;
}

const VariantEntry* find_entry(const std::string& variant) {
  for (const auto& [name, entry] : registry())
    if (name == variant) return &entry;
  return nullptr;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

const std::vector<std::string>& variant_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& [name, entry] : registry()) v.push_back(name);
    return v;
  }();
  return names;
}

const std::vector<std::string>& accepted_archs(const std::string& variant) {
  static const std::vector<std::string> none;
  const VariantEntry* entry = find_entry(variant);
  return entry == nullptr ? none : entry->archs;
}

bool needs_labels(const std::string& variant) {
  const VariantEntry* entry = find_entry(variant);
  return entry != nullptr && entry->labels;
}

void Variant::save_training_state(torch::serialize::OutputArchive&) {
  throw std::logic_error("this variant cannot be checkpointed");
}

void Variant::load_training_state(torch::serialize::InputArchive&) {
  throw std::logic_error("this variant cannot be checkpointed");
}

std::string pack_refusal(const std::string& variant, const std::string& arch) {
  if (find_entry(variant) == nullptr) return "unknown variant '" + variant + "'";
  if (!arch_packs(arch)) return "arch '" + arch + "' has no packed form";
  return "";
}

PackedVariant make_packed_variant(const std::vector<VariantConfig>& members) {
  if (members.empty()) throw std::invalid_argument("make_packed_variant: no members");
  const std::string refusal = pack_refusal(members.front().variant, members.front().arch);
  if (!refusal.empty()) throw std::invalid_argument(refusal);
  PackedVariant out;
  VariantConfig packed = members.front();
  packed.pack.clear();
  for (const auto& m : members) {
    out.members.push_back(make_variant(m));
    packed.pack.push_back({m.seed, m.opt_g, m.opt_d});
  }
  out.packed = make_variant(packed);
  const auto nets = out.packed->networks();
  for (size_t n = 0; n < nets.size(); ++n) {
    std::vector<torch::nn::Module*> parts;
    for (const auto& m : out.members) parts.push_back(m->networks().at(n).get());
    stack_nets(*nets[n], parts);
  }
  return out;
}

void PackedVariant::copy_member(int64_t k) {
  const auto nets = packed->networks();
  const auto into = members.at(static_cast<size_t>(k))->networks();
  for (size_t n = 0; n < nets.size(); ++n)
    copy_member_slice(*nets[n], k, static_cast<int64_t>(members.size()), *into[n]);
}

void PackedVariant::copy_members() {
  for (int64_t k = 0; k < static_cast<int64_t>(members.size()); ++k) copy_member(k);
}

void require_one_of(const std::string& variant, const std::string& key, const std::string& value,
                    const std::string& a, const std::string& b) {
  if (value != a && value != b)
    throw std::invalid_argument(variant + ": unknown " + key + " '" + value + "' (known: " + a +
                                ", " + b + ")");
}

std::unique_ptr<Variant> make_variant(const VariantConfig& config) {
  const VariantEntry* entry = find_entry(config.variant);
  if (entry == nullptr)
    throw std::invalid_argument("unknown variant '" + config.variant +
                                "' (known: " + join(variant_names()) + ")");
  const auto& archs = entry->archs;
  if (std::find(archs.begin(), archs.end(), config.arch) == archs.end())
    throw std::invalid_argument("variant '" + config.variant + "' does not accept arch '" +
                                config.arch + "' (accepted: " + join(archs) + ")");
  // Only the critics whose losses take raw outputs can be bounded; the GAN family's losses
  // already apply the sigmoid (BCE with logits) and the auto-encoders output images.
  if (config.critic_output != "linear") {
    const bool bounded =
        config.variant == "wgan" || config.variant == "wgan-gp" || config.variant == "lsgan";
    if (config.critic_output != "sigmoid")
      throw std::invalid_argument("unknown critic_output '" + config.critic_output +
                                  "' (known: linear, sigmoid)");
    if (!bounded)
      throw std::invalid_argument(
          "critic_output: sigmoid applies to wgan, wgan-gp and lsgan, "
          "not to '" +
          config.variant + "': set critic_output: linear");
  }
  // The settings every variant reads (each variant checks its own).
  require_one_of(config.variant, "generator_noise", config.generator_noise, "fresh", "reused");
  require_one_of(config.variant, "bn_init", config.bn_init, "ones", "uniform");
  const std::string shape = shape_error(config.arch, config.channels, config.height, config.width);
  if (!shape.empty()) throw std::invalid_argument(shape);
  return entry->make(config);
}

}  // namespace ganrun::models
