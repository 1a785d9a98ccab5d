// runner/references.cpp — the images that train and test a reference net, its training into the
// cache, and finding or training the one an evaluation uses (see header).
#include "runner/references.h"

#include <ATen/ops/randperm.h>
#include <fmt/format.h>
#include <torch/utils.h>  // torch::get_num_threads

#include <chrono>
#include <cmath>

#include "common/digest.h"
#include "common/utc_time.h"
#include "data/data_error.h"
#include "data/dataset_loader.h"
#include "models/run_random.h"
#include "runner/config_error.h"
#include "runner/variant_config.h"  // data_shape
#include "runner/version.h"

namespace ganrun {
namespace {

namespace fs = std::filesystem;

// The images of one side (training or held out) and how they were chosen.
struct ImageSide {
  std::string split;
  std::string selection;
  torch::Tensor indices;  // int64, into the split's images
};

struct ReferenceSplit {
  data::Dataset train_source, eval_source;
  ImageSide train, eval;
};

torch::Tensor permutation(int64_t n, uint64_t seed, uint64_t sub) {
  auto gen = models::keyed_generator(seed, 0, models::Purpose::kReference, sub);
  return at::randperm(n, gen, torch::TensorOptions().dtype(torch::kInt64));
}

bool has_train_split(const std::string& dataset, const std::string& data_dir) {
  const fs::path dir = data::resolve_data_dir(dataset, data_dir);
  if (dir.extension() == ".h5") return true;  // a pack: let its reader say what it holds
  for (const char* name : {"train-images-idx3-ubyte.gz", "train-images-idx3-ubyte"})
    if (fs::exists(dir / name)) return true;
  return false;
}

// Within each class a seeded permutation; its first half (rounded down) trains the classifier,
// the rest is held out. Both sides as indices into the split, in class-then-permutation order.
std::pair<torch::Tensor, torch::Tensor> stratified_halves(const torch::Tensor& labels,
                                                          uint64_t seed) {
  std::vector<torch::Tensor> first, second;
  const int64_t classes = labels.max().item<int64_t>() + 1;
  for (int64_t c = 0; c < classes; ++c) {
    const auto members = labels.eq(c).nonzero().flatten();
    const auto shuffled =
        members.index_select(0, permutation(members.size(0), seed, static_cast<uint64_t>(c) + 1));
    const int64_t half = members.size(0) / 2;
    first.push_back(shuffled.narrow(0, 0, half));
    second.push_back(shuffled.narrow(0, half, members.size(0) - half));
  }
  return {torch::cat(first), torch::cat(second)};
}

ReferenceSplit split_for_reference(const std::string& dataset, const std::string& data_dir,
                                   uint64_t seed) {
  ReferenceSplit s;
  if (dataset == "mnist" && !has_train_split(dataset, data_dir)) {
    // Only the 10,000-image test set (as in ../shared/data): a stratified half trains the net.
    s.train_source = data::load_dataset(dataset, data_dir, "test");
    s.eval_source = s.train_source;
    auto [train, held_out] = stratified_halves(s.train_source.labels, seed);
    s.train = {"test", fmt::format("stratified half of the test split by class, seed {}", seed),
               train};
    s.eval = {"test",
              fmt::format("the other half of the test split (seed {}), in a seeded order", seed),
              held_out};
  } else {
    s.train_source = data::load_dataset(dataset, data_dir, "train");
    s.eval_source = data::load_dataset(dataset, data_dir, "test");
    s.train = {"train", "every image of the train split",
               torch::arange(s.train_source.size(), torch::kInt64)};
    s.eval = {"test", "every image of the test split, in a seeded order",
              torch::arange(s.eval_source.size(), torch::kInt64)};
  }
  // The held-out images in a seeded order: the first N are every evaluation's real side.
  s.eval.indices = s.eval.indices.index_select(0, permutation(s.eval.indices.size(0), seed, 0));
  return s;
}

std::string images_sha256(const torch::Tensor& images_u8, const std::string& what) {
  const auto c = images_u8.contiguous();
  return digest_hex(DigestKind::kSha256, c.data_ptr(), static_cast<size_t>(c.nbytes()), what);
}

std::vector<NamedArray> weights_of(models::ReferenceNet& net) {
  std::vector<NamedArray> out;
  for (const auto& [name, tensor] : models::reference_state(net)) {
    const auto t = tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    NamedArray a;
    a.name = name;
    a.shape.assign(t.sizes().begin(), t.sizes().end());
    const auto* p = static_cast<const char*>(t.data_ptr());
    a.bytes.assign(p, p + t.nbytes());
    out.push_back(std::move(a));
  }
  return out;
}

// Each data set's recipe, measured on 2 CPU cores (docs/evaluation.md has the accuracies):
// MNIST's 5,000 images need shifts of 2 pixels (~97.8% -> ~98.3%) and ~60,000 images seen;
// Fashion-MNIST's clothes are centred (shifts cost accuracy) and take 5 epochs of 60,000 for
// ~90%; CIFAR-10 needs flips and 4-pixel crops to reach 70% with a net this small.
models::ReferenceTraining default_training(const std::string& dataset, int64_t images) {
  models::ReferenceTraining t;
  const auto epochs_for = [&](double seen) {
    return std::max<int64_t>(2,
                             static_cast<int64_t>(std::ceil(seen / static_cast<double>(images))));
  };
  if (dataset == "cifar10") {
    t.shift = 4;
    t.flips = true;
    t.epochs = 30;
  } else if (dataset == "fashion-mnist") {
    t.epochs = epochs_for(300000.0);
  } else {
    t.shift = 2;
    t.epochs = epochs_for(60000.0);
  }
  return t;
}

}  // namespace

std::string reference_net_of(const std::string& dataset) {
  if (data::is_toy_dataset(dataset)) return "";
  const DataShape shape = data_shape(dataset);
  return models::reference_net_for(shape.channels, shape.height, shape.width);
}

ReferenceFile train_reference(const ReferenceTrainOptions& o) {
  const std::string net_name = reference_net_of(o.dataset);
  if (net_name.empty())
    throw ConfigError(
        fmt::format("data set {} has no reference net (toy sets are scored by "
                    "their modes); use mnist, fashion-mnist or cifar10",
                    o.dataset));
  if (o.epochs < 0 || o.train_images < 0)
    throw ConfigError("--epochs and --train-images must be >= 0");
  auto say = [&](const std::string& line) {
    if (o.say) o.say(line);
  };
  ReferenceSplit split = split_for_reference(o.dataset, o.data_dir, o.seed);
  torch::Tensor train_idx = split.train.indices;
  if (o.train_images > 0 && o.train_images < train_idx.size(0)) {
    train_idx = train_idx.index_select(0, permutation(train_idx.size(0), o.seed, 100))
                    .narrow(0, 0, o.train_images);
    split.train.selection += fmt::format("; {} of them, seed {}", o.train_images, o.seed);
  }
  const auto train_images = split.train_source.images.index_select(0, train_idx);
  const auto train_labels = split.train_source.labels.index_select(0, train_idx);
  const auto eval_images = split.eval_source.images.index_select(0, split.eval.indices);
  const auto eval_labels = split.eval_source.labels.index_select(0, split.eval.indices);

  models::ReferenceTraining t = default_training(o.dataset, train_images.size(0));
  t.seed = o.seed;
  if (o.epochs > 0) t.epochs = o.epochs;
  const auto started = std::chrono::steady_clock::now();
  t.on_epoch = [&](int64_t epoch, double loss) {
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    say(fmt::format("reference {} on {}: epoch {}/{} loss {:.4f} ({:.0f} s)", net_name, o.dataset,
                    epoch, t.epochs, loss, s));
  };
  const int64_t classes = data_shape(o.dataset).classes;
  auto net = models::make_reference_net(net_name, classes, o.seed);
  say(fmt::format("training reference {} on {} ({} images, {} epochs, seed {}, {} threads)",
                  net_name, o.dataset, train_images.size(0), t.epochs, o.seed,
                  torch::get_num_threads()));
  models::train_reference_net(*net, train_images, train_labels, t);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double accuracy = models::reference_accuracy(*net, eval_images, eval_labels);

  ReferenceFile r;
  r.weights = weights_of(*net);
  const auto eval_idx = split.eval.indices.contiguous();
  r.eval_indices.assign(eval_idx.data_ptr<int64_t>(),
                        eval_idx.data_ptr<int64_t>() + eval_idx.numel());
  r.manifest = AttrMap{
      {"format", std::string(kReferenceFormat)},
      {"dataset", o.dataset},
      {"net", net_name},
      {"classes", classes},
      {"channels", train_images.size(1)},
      {"height", train_images.size(2)},
      {"width", train_images.size(3)},
      {"features", net->feature_width()},
      {"seed", static_cast<int64_t>(o.seed)},
      {"epochs", t.epochs},
      {"batch", t.batch},
      {"lr", t.lr},
      {"augmentation",
       fmt::format("shifts up to {} px{}", t.shift, t.flips ? ", horizontal flips" : "")},
      {"threads", static_cast<int64_t>(torch::get_num_threads())},
      {"train_split", split.train.split},
      {"train_selection", split.train.selection},
      {"train_images", train_images.size(0)},
      {"train_images_sha256", images_sha256(train_images, "the training images")},
      {"eval_split", split.eval.split},
      {"eval_selection", split.eval.selection},
      {"eval_images", eval_images.size(0)},
      {"eval_images_sha256", images_sha256(eval_images, "the held-out images")},
      {"test_accuracy", accuracy},
      {"train_seconds", seconds},
      {"ganrun_version", std::string(version())},
      {"created", utc_now()},
      {"net_sha256", weights_sha256(r.weights)},
  };
  say(fmt::format("reference {} on {}: held-out accuracy {:.2f}% on {} images ({:.0f} s)", net_name,
                  o.dataset, 100.0 * accuracy, eval_images.size(0), seconds));
  return r;
}

LoadedReference load_reference(const fs::path& file, const std::string& data_dir,
                               torch::Device device) {
  ReferenceFile r = read_reference_file(file);
  LoadedReference out;
  out.file = file;
  out.manifest = r.manifest;
  out.net_name = manifest_text(r.manifest, "net");
  out.sha256 = manifest_text(r.manifest, "net_sha256");
  out.floors = r.floors;
  const std::string dataset = manifest_text(r.manifest, "dataset");
  out.net = models::make_reference_net(out.net_name, manifest_int(r.manifest, "classes"), 0);
  models::NamedTensors state;
  for (const NamedArray& a : r.weights)
    state.emplace_back(a.name, torch::from_blob(const_cast<char*>(a.bytes.data()), a.shape,
                                                torch::TensorOptions().dtype(torch::kFloat32))
                                   .clone());
  models::load_reference_state(*out.net, state);
  out.net->to(device);
  out.net->eval();

  const auto source =
      data::load_dataset(dataset, data_dir, manifest_text(r.manifest, "eval_split"));
  const auto idx = torch::tensor(r.eval_indices, torch::kInt64);
  if (r.eval_indices.empty() || idx.max().item<int64_t>() >= source.size())
    throw ConfigError(fmt::format("{}: its held-out indices do not fit the {} split of {} here",
                                  file.string(), manifest_text(r.manifest, "eval_split"), dataset));
  out.eval_indices = idx;
  out.eval_images = source.images.index_select(0, idx);
  out.eval_labels = source.labels.index_select(0, idx);
  if (images_sha256(out.eval_images, "the held-out images") !=
      manifest_text(r.manifest, "eval_images_sha256"))
    throw ConfigError(fmt::format(
        "{}: the held-out images of {} here differ from those the reference net was made with "
        "(SHA-256 of the {} split's held-out images); train a reference on this data "
        "(ganrun eval train-reference --dataset {}) or point --data-dir at the original data",
        file.string(), dataset, manifest_text(r.manifest, "eval_split"), dataset));
  return out;
}

LoadedReference obtain_reference(const std::string& dataset, const std::string& data_dir,
                                 const fs::path& cache_dir, torch::Device device,
                                 const std::function<void(const std::string&)>& say) {
  const std::string net = reference_net_of(dataset);
  if (net.empty()) throw ConfigError(fmt::format("data set {} has no reference net", dataset));
  std::optional<fs::path> found = find_reference(cache_dir, dataset, net);
  if (!found) {
    // One process trains; the others sleep on the lock and then find its file.
    ReferenceLock lock(cache_dir, dataset, net);
    found = find_reference(cache_dir, dataset, net);
    if (!found) {
      if (say)
        say(fmt::format("no reference {} for {} in {}: training one (once per cache)", net, dataset,
                        cache_dir.string()));
      ReferenceTrainOptions options;
      options.dataset = dataset;
      options.data_dir = data_dir;
      options.say = say;
      const ReferenceFile trained = train_reference(options);
      found = cache_dir / reference_file_name(trained.manifest);
      write_reference_file(*found, trained);
    }
  }
  return load_reference(*found, data_dir, device);
}

}  // namespace ganrun
