// runner/eval_command.cpp — `ganrun eval`: reference nets (train-reference, export-reference,
// import-reference), the real-vs-real floor (--real) and the evaluation of a finished run's
// generator (RUN.h5), appended to its file by write-then-rename (docs/evaluation.md).
#include <fmt/format.h>
#include <fmt/ostream.h>  // fmt::streamed
#include <signal.h>       // kill
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>  // strerror
#include <filesystem>
#include <sstream>

#include "common/atomic_file.h"
#include "common/file_lock.h"
#include "common/host_name.h"
#include "data/h5_check.h"
#include "runner/command.h"
#include "runner/config_error.h"
#include "runner/did_you_mean.h"
#include "runner/evaluator.h"
#include "runner/h5_io.h"
#include "runner/plan_validation.h"  // check_device_flag, runs_on_cuda
#include "runner/reference_file.h"
#include "runner/references.h"
#include "runner/saved_run.h"
#include "runner/subcommands.h"

namespace ganrun {
namespace po = boost::program_options;
namespace {

namespace fs = std::filesystem;

const char* const kUsage =
    "ganrun eval RUN.h5 [--samples N] [--metrics fd,kid,prdc,classes] [--export FILE.h5]\n"
    "ganrun eval --real --dataset D [--samples N]\n"
    "ganrun eval train-reference --dataset D [--seed S] [--epochs E] [--train-images N]\n"
    "ganrun eval export-reference --dataset D --to FILE.h5\n"
    "ganrun eval import-reference FILE.h5\n"
    "common options: --cache DIR (reference nets; default $GANRUN_CACHE/references), "
    "--data-dir DIR, --device auto|cpu|cuda";

void say(const std::string& line) { fmt::print("{}\n", line); }

models::MetricGroups parse_metrics(const std::string& text) {
  const std::vector<std::string> known{"fd", "kid", "prdc", "classes"};
  models::MetricGroups g{false, false, false, false};
  std::stringstream in(text);
  std::string name;
  while (std::getline(in, name, ',')) {
    if (name == "fd")
      g.fd = true;
    else if (name == "kid")
      g.kid = true;
    else if (name == "prdc")
      g.prdc = true;
    else if (name == "classes")
      g.classes = true;
    else
      throw ConfigError(
          fmt::format("--metrics: '{}' is not a metric group{} (known: fd, kid, "
                      "prdc, classes)",
                      name, did_you_mean(name, known)));
  }
  if (!(g.fd || g.kid || g.prdc || g.classes)) throw ConfigError("--metrics names no metric");
  return g;
}

// A `running` run file whose trainer still lives on this host would overwrite an appended row
// with its next snapshot: refused. (On another host ganrun cannot tell; the status decides.)
void refuse_live_trainer(const RunFileSummary& run, const std::string& path) {
  if (run.status != "running") return;
  const auto pid = run.attrs.find("pid");
  const auto host = run.attrs.find("host");
  const bool same_host = host != run.attrs.end() && host->second == AttrValue(host_name());
  const bool alive =
      pid != run.attrs.end() && std::holds_alternative<int64_t>(pid->second) &&
      (::kill(static_cast<pid_t>(std::get<int64_t>(pid->second)), 0) == 0 || errno == EPERM);
  if (!same_host || alive)
    throw ConfigError(fmt::format(
        "{}: the run is still training (status running{}); evaluate it once it has ended, or "
        "let the sweep evaluate it in the loop (eval_every)",
        path, alive ? fmt::format(", trainer pid {}", std::get<int64_t>(pid->second)) : ""));
  throw ConfigError(fmt::format(
      "{}: the run was interrupted (status running, no live trainer) and saved no generator; "
      "rerun the sweep to complete it",
      path));
}

// The reference net checksum of a run file's /eval series ("" when it has none).
std::string eval_reference_sha(const std::string& run_path) {
  h5::silence_errors();
  h5::Hid file = h5::open_readonly(run_path);
  if (H5Lexists(file, "eval", H5P_DEFAULT) <= 0) return "";
  h5::Hid eval(H5CALL(H5Gopen2(file, "eval", H5P_DEFAULT), run_path), H5Gclose);
  const AttrMap attrs = read_attrs(eval, run_path);
  const auto it = attrs.find("reference_sha256");
  return it == attrs.end() ? "" : std::get<std::string>(it->second);
}

void write_array(hid_t file, const std::string& name, const torch::Tensor& t, const fs::path& p) {
  const auto c = t.contiguous().cpu();
  std::vector<hsize_t> dims(c.sizes().begin(), c.sizes().end());
  hid_t file_type = H5T_IEEE_F64LE, mem_type = H5T_NATIVE_DOUBLE;
  if (c.scalar_type() == torch::kUInt8) {
    file_type = H5T_STD_U8LE;
    mem_type = H5T_NATIVE_UINT8;
  } else if (c.scalar_type() == torch::kInt64) {
    file_type = H5T_STD_I64LE;
    mem_type = H5T_NATIVE_INT64;
  }
  write_extendible(file, name, file_type, mem_type, dims, std::max<hsize_t>(1, dims[0]),
                   c.data_ptr(), p);
}

// Everything the evaluation saw, for independent checks (docs/evaluation.md "Export").
void write_export(const fs::path& path, const EvalTensors& t, const EvalValues& v,
                  const AttrMap& attrs) {
  h5::silence_errors();
  std::vector<char> image;
  {
    h5::Hid file = h5::create_in_memory(path);
    write_array(file, "real_features", t.real_features, path);
    write_array(file, "fake_features", t.fake_features, path);
    write_array(file, "fake_probabilities", t.fake_probabilities, path);
    write_array(file, "fake_images", t.fake_images, path);
    write_array(file, "fake_labels", t.fake_labels, path);
    write_array(file, "real_indices", t.real_indices, path);
    if (t.kid_rows.real_rows.defined()) {
      write_array(file, "kid_real_rows", t.kid_rows.real_rows, path);
      write_array(file, "kid_fake_rows", t.kid_rows.fake_rows, path);
    }
    for (const auto& [name, value] : v.values) write_attr(file, name, value, path);
    for (const auto& [name, value] : attrs) write_attr(file, name, value, path);
    image = h5::file_image(file, path);
    H5CALL(file.close(), path);
  }
  write_bytes_atomically(path, image.data(), image.size(), "the evaluation export");
}

std::string format_values(const EvalValues& v) {
  std::string out;
  for (const auto& [name, value] : v.values)
    if (!std::isnan(value)) out += fmt::format("  {:<18} {:.6g}\n", name, value);
  return out;
}

struct Options {
  std::string target, dataset, cache, data_dir, device = "auto", metrics, export_file, to,
                                                reference;
  int64_t samples = 2000, seed = 0, epochs = 0, train_images = 0;
  bool real = false;
};

int train_reference_main(const Options& o) {
  if (o.dataset.empty()) throw ConfigError("eval train-reference: give --dataset D");
  if (o.seed < 0) throw ConfigError("--seed must be >= 0");
  ReferenceTrainOptions t;
  t.dataset = o.dataset;
  t.data_dir = o.data_dir;
  t.seed = static_cast<uint64_t>(o.seed);
  t.epochs = o.epochs;
  t.train_images = o.train_images;
  t.say = say;
  const fs::path cache = reference_cache_dir(o.cache);
  const std::string net = reference_net_of(o.dataset);
  const ReferenceFile r = train_reference(t);
  const fs::path file = cache / reference_file_name(r.manifest);
  {
    ReferenceLock lock(cache, o.dataset, net);
    write_reference_file(file, r);
  }
  const double accuracy = manifest_real(r.manifest, "test_accuracy");
  const double target = net == "vgg" ? 0.70 : o.dataset == "mnist" ? 0.98 : 0.90;
  say(fmt::format("wrote {}\nheld-out accuracy {:.2f}% (target {:.0f}%: {}) in {:.0f} s",
                  file.string(), 100 * accuracy, 100 * target,
                  accuracy >= target ? "reached" : "NOT reached",
                  manifest_real(r.manifest, "train_seconds")));
  return kExitOk;
}

int export_reference_main(const Options& o) {
  if (o.dataset.empty() || o.to.empty())
    throw ConfigError("eval export-reference: give --dataset D and --to FILE.h5");
  const fs::path cache = reference_cache_dir(o.cache);
  const auto found = find_reference(cache, o.dataset, reference_net_of(o.dataset));
  if (!found)
    throw ConfigError(
        fmt::format("no reference net for {} in {}; train one with ganrun eval "
                    "train-reference --dataset {}",
                    o.dataset, cache.string(), o.dataset));
  write_reference_file(o.to, read_reference_file(*found));
  say(fmt::format("exported {} to {}", found->string(), o.to));
  return kExitOk;
}

int import_reference_main(const Options& o) {
  if (o.target.empty()) throw ConfigError("eval import-reference: give the reference FILE.h5");
  ReferenceFile r;
  try {
    r = read_reference_file(o.target);
  } catch (const std::exception& e) {
    throw ConfigError(e.what());
  }
  const fs::path cache = reference_cache_dir(o.cache);
  const fs::path file = cache / reference_file_name(r.manifest);
  ReferenceLock lock(cache, manifest_text(r.manifest, "dataset"), manifest_text(r.manifest, "net"));
  write_reference_file(file, r);
  say(fmt::format("imported {} as {}", o.target, file.string()));
  return kExitOk;
}

int real_floor_main(const Options& o, torch::Device device) {
  if (o.dataset.empty()) throw ConfigError("eval --real: give --dataset D");
  const fs::path cache = reference_cache_dir(o.cache);
  auto reference = std::make_shared<const LoadedReference>(
      obtain_reference(o.dataset, o.data_dir, cache, device, say));
  RunSettings settings;
  settings.dataset = o.dataset;
  SampleEvaluator evaluator(reference, settings, o.samples, device);
  const auto floor = evaluator.real_floor();
  if (!floor)
    throw ConfigError(fmt::format(
        "--samples {}: the floor needs two disjoint sets of {} held-out images, and reference {} "
        "holds {}; lower --samples to at most {}",
        o.samples, o.samples, reference->file.string(), reference->eval_images.size(0),
        reference->eval_images.size(0) / 2));
  {
    ReferenceLock lock(cache, o.dataset, reference->net_name);
    ReferenceFile file = read_reference_file(reference->file);
    for (const auto& [name, value] : floor->values) file.floors[o.samples][name] = value;
    write_reference_file(reference->file, file);
  }
  say(fmt::format("real-vs-real floor of {} at N = {} (reference {}):\n{}", o.dataset, o.samples,
                  reference->file.filename().string(), format_values(*floor)));
  return kExitOk;
}

int evaluate_run_main(const Options& o, torch::Device device) {
  const auto summary = read_run_summary(o.target);
  if (!summary) throw ConfigError(fmt::format("run file '{}' not found", o.target));
  refuse_live_trainer(*summary, o.target);
  const models::MetricGroups groups =
      o.metrics.empty() ? models::MetricGroups{} : parse_metrics(o.metrics);
  SavedRun run = load_saved_run(o.target, device);
  const std::string data_dir =
      !o.data_dir.empty() ? o.data_dir
                          : YAML::Load(run.summary.config_yaml)["data_dir"].as<std::string>("");
  const fs::path cache = reference_cache_dir(o.cache);
  // The reference of the run's existing series first, so its rows stay comparable.
  const std::string series = eval_reference_sha(o.target);
  fs::path reference_file = o.reference;
  if (reference_file.empty() && !series.empty()) {
    const auto found = find_reference_by_sha(cache, series);
    if (!found)
      throw ConfigError(fmt::format(
          "{}: its /eval series used reference net {}, which is not in {}; import that "
          "reference (ganrun eval import-reference FILE) or name it with --reference FILE",
          o.target, series, cache.string()));
    reference_file = *found;
  }
  auto reference = std::make_shared<const LoadedReference>(
      reference_file.empty() ? obtain_reference(run.settings.dataset, data_dir, cache, device, say)
                             : load_reference(reference_file, data_dir, device));
  if (!series.empty() && series != reference->sha256)
    throw ConfigError(fmt::format(
        "{}: its /eval series used reference net {}, --reference is {}; numbers from different "
        "references are not comparable: evaluate with the series' reference",
        o.target, series, reference->sha256));
  if (manifest_text(reference->manifest, "dataset") != run.settings.dataset)
    throw ConfigError(fmt::format(
        "{}: reference {} was trained on {}, the run on {}", o.target, reference->file.string(),
        manifest_text(reference->manifest, "dataset"), run.settings.dataset));
  SampleEvaluator evaluator(reference, run.settings, o.samples, device, groups);
  const auto started = std::chrono::steady_clock::now();
  EvalTensors tensors;
  const EvalValues values = evaluator.evaluate(*run.variant, &tensors);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  EvalRow row;
  const auto steps = run.summary.attrs.find("total_steps");
  row.step = steps != run.summary.attrs.end() && std::holds_alternative<int64_t>(steps->second)
                 ? std::get<int64_t>(steps->second)
                 : run.summary.last_step;
  // wall_s NaN: the row was not taken while training (on demand).
  row.values = {
      {"samples", static_cast<double>(evaluator.samples())}, {"wall_s", NAN}, {"eval_s", took}};
  row.values.insert(row.values.end(), values.values.begin(), values.values.end());
  row.class_histogram = values.class_histogram;
  row.attrs = evaluator.attrs();
  if (!o.export_file.empty()) {
    AttrMap attrs = row.attrs;
    attrs["reference_file"] = fs::absolute(reference->file).string();
    attrs["pixel_range"] = run.settings.pixel_range;
    write_export(o.export_file, tensors, values, attrs);
  }
  {
    // Two `ganrun eval` of one run file would each rewrite it and lose the other's row.
    ExclusiveFileLock lock(fs::absolute(o.target).parent_path());
    append_eval_row(o.target, row);
  }
  say(fmt::format("{} at step {} ({} samples, reference {}, {:.1f} s):\n{}", o.target, row.step,
                  evaluator.samples(), reference->file.filename().string(), took,
                  format_values(values)));
  return kExitOk;
}

}  // namespace

int eval_main(int argc, char** argv, launch::MpiSession& mpi) {
  Options o;
  po::options_description d(kUsage);
  // clang-format off
  d.add_options()
      ("target", po::value(&o.target), "RUN.h5, or train-reference | export-reference | "
       "import-reference [FILE]")
      ("file", po::value<std::string>(), "the file of import-reference")
      ("samples", po::value(&o.samples)->default_value(o.samples),
       "generated (and real) images to evaluate")
      ("metrics", po::value(&o.metrics), "comma-separated groups: fd, kid, prdc, classes (all)")
      ("export", po::value(&o.export_file), "also write the features and samples to FILE.h5")
      ("reference", po::value(&o.reference), "a reference net file instead of the cache's")
      ("real", po::bool_switch(&o.real), "the real-vs-real floor of --dataset")
      ("dataset", po::value(&o.dataset), "data set (mnist, fashion-mnist, cifar10)")
      ("seed", po::value(&o.seed)->default_value(o.seed), "train-reference: seed")
      ("epochs", po::value(&o.epochs)->default_value(o.epochs),
       "train-reference: epochs (0: the net's default)")
      ("train-images", po::value(&o.train_images)->default_value(o.train_images),
       "train-reference: train on this many images (0: all of the classifier's part)")
      ("to", po::value(&o.to), "export-reference: the file to write")
      ("cache", po::value(&o.cache), "reference net folder (default $GANRUN_CACHE/references)")
      ("data-dir", po::value(&o.data_dir), "the data set's folder or pack")
      ("device", po::value(&o.device)->default_value(o.device), "auto | cpu | cuda")
      ("help,h", "this help");
  // clang-format on
  po::positional_options_description pos;
  pos.add("target", 1).add("file", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(d).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    if (mpi.is_root()) fmt::print("{}", fmt::streamed(d));
    return kExitOk;
  }
  if (mpi.size() > 1) throw ConfigError("ganrun eval runs as one process; start it without mpirun");
  check_device_flag(o.device);
  if (o.samples < 10) throw ConfigError("--samples must be >= 10");
  const torch::Device device =
      runs_on_cuda(o.device) ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (o.target == "train-reference") return train_reference_main(o);
  if (o.target == "export-reference") return export_reference_main(o);
  if (o.target == "import-reference") {
    if (vm.count("file"))
      o.target = vm["file"].as<std::string>();
    else
      o.target.clear();
    return import_reference_main(o);
  }
  if (o.real) {
    if (!o.target.empty()) throw ConfigError("eval --real takes --dataset, not a run file");
    return real_floor_main(o, device);
  }
  if (o.target.empty()) throw ConfigError(std::string("eval: nothing to do; usage:\n") + kUsage);
  return evaluate_run_main(o, device);
}

}  // namespace ganrun
