// runner/run_file.h — the per-run HDF5 file (layout in README "HDF5 layout").
//
// Durability by write-then-rename snapshots: the writer keeps the run's state in memory and
// each commit() writes the whole file to "<dir>/.<name>.tmp", fsyncs it, renames it over the
// run file and fsyncs the folder. A reader opens the run file plainly at any moment (no SWMR
// flags, no h5clear), and a kill at any point leaves the last committed snapshot, whose status
// is never `completed` unless the final commit's rename happened.
// Knows nothing of torch: tensors arrive as raw arrays (NamedArray).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ganrun {

using AttrValue = std::variant<std::string, int64_t, double>;
using AttrMap = std::map<std::string, AttrValue>;

// A dense array with a name, e.g. one generator parameter: "fc1.weight", shape {128, 100}.
struct NamedArray {
  std::string name;
  std::vector<int64_t> shape;
  bool is_float64 = false;  // float32 otherwise
  std::vector<char> bytes;  // row-major, shape product * (4 or 8) bytes
};

struct SampleShape {
  int64_t n = 0, c = 0, h = 0, w = 0;
};

// A 2-D toy run's /toy group: what every evaluation point holds, and the fixed data around it.
struct ToyLayout {
  int64_t points = 0;              // N sample points per evaluation point
  int64_t field_resolution = 0;    // R: the decision field is R x R, [iy][ix]
  std::vector<double> centres;     // K x 2, row-major (empty: a set without modes)
  std::array<double, 4> extent{};  // the field's x_min, x_max, y_min, y_max
  double sigma = 0;                // the modes' standard deviation (attribute of /toy)
};

class RunFileWriter {
 public:
  // Starts a run file: attrs (run config + provenance; status is set to "running", error to ""
  // and stop_step to -1 unless attrs holds them), /config text, the metric names (besides step
  // and wall_s; unique, no '/') and the sample grid's shape (all 0: no images, e.g. toy runs).
  // Nothing is written until the first commit(). Strings become variable-length UTF-8 attrs
  // (h5py reads str), int64_t 64-bit integers, double 64-bit floats.
  RunFileWriter(std::filesystem::path path, AttrMap attrs, std::string config_yaml,
                std::vector<std::string> metric_names, SampleShape sample_shape);

  void append_metrics(int64_t step, double wall_s, const std::vector<double>& values);
  void append_samples(int64_t step, const std::vector<uint8_t>& images);  // n*c*h*w bytes
  void set_attr(const std::string& name, AttrValue value);
  // Toy runs: declares /toy (see ToyLayout); then one append_toy per evaluation point with
  // N*2 point coordinates and R*R field values. Throws std::invalid_argument on sizes that do
  // not match the layout, or append_toy before set_toy_layout.
  void set_toy_layout(ToyLayout layout);
  void append_toy(int64_t step, const std::vector<float>& points, const std::vector<float>& field);
  // One row of /eval/step and /eval/<name> per evaluation point. The first call's names fix the
  // columns (unique, no '/', not "step"); later calls must give the same names in that order.
  // A non-empty class_histogram adds a row to /eval/class_histogram (int64 [T, C]; every row
  // of a run has the same C).
  void append_eval(int64_t step, const std::vector<std::pair<std::string, double>>& values,
                   const std::vector<int64_t>& class_histogram = {});
  // An attribute of the /eval group (the reference net's checksum, KID's subsets, the floor).
  void set_eval_attr(const std::string& name, AttrValue value);
  // status: running | completed | failed | diverged | preempted
  void set_status(const std::string& status, const std::string& error, int64_t stop_step);
  // Written under /generator/<name> in this order (an empty list writes no /generator).
  // Throws std::invalid_argument when a name holds '/' or bytes do not match the shape.
  void set_generator(std::vector<NamedArray> arrays);

  // A resumed run (runner/checkpoint.h): takes over the rows of the run file at `from` up to
  // and including `step` (metrics, sample grids, toy points, evaluation rows and /eval's
  // attributes), so that the next commit continues it with no duplicate and no missing row.
  // Returns that file's root attributes. Throws std::runtime_error naming the file when it
  // cannot be read or holds other metrics than this writer's.
  AttrMap resume_rows(const std::filesystem::path& from, int64_t step);

  void commit();  // snapshot to disk (see file comment); throws on I/O errors
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  AttrMap attrs_;
  std::string config_yaml_;
  std::vector<std::string> metric_names_;
  SampleShape sample_shape_;
  std::vector<int64_t> metric_steps_;
  std::vector<double> metric_wall_;
  std::vector<std::vector<double>> metric_values_;  // [metric][row]
  std::vector<int64_t> sample_steps_;
  std::vector<uint8_t> sample_images_;  // T * n*c*h*w
  std::vector<NamedArray> generator_;
  std::optional<ToyLayout> toy_;
  std::vector<int64_t> toy_steps_;
  std::vector<float> toy_points_, toy_field_;  // T * N*2, T * R*R
  std::vector<std::string> eval_names_;
  std::vector<int64_t> eval_steps_;
  std::vector<std::vector<double>> eval_values_;  // [metric][row]
  std::vector<int64_t> eval_histograms_;          // T * C
  int64_t eval_classes_ = 0;
  AttrMap eval_attrs_;
};

// One evaluation row added to a finished run's file (`ganrun eval RUN.h5`).
struct EvalRow {
  int64_t step = 0;
  std::vector<std::pair<std::string, double>> values;  // with samples, wall_s and eval_s
  std::vector<int64_t> class_histogram;                // empty: none
  AttrMap attrs;                                       // /eval attributes to set
};

// Appends `row` to the run file's /eval by the durability rule of the writer: the file is read
// into memory, extended there and written back by write-then-rename. A column the file has and
// the row lacks gets NaN (a histogram row -1), a new column NaN in the earlier rows. Refuses
// (std::runtime_error naming the file and both values) when /eval already holds numbers from a
// different reference net (attribute reference_sha256). The caller serialises writers.
void append_eval_row(const std::filesystem::path& path, const EvalRow& row);

// What a rerun, the summary table and `ganrun sample` need from an existing run file.
struct RunFileSummary {
  AttrMap attrs;
  std::string status;       // attrs["status"]
  std::string config_yaml;  // /config
  std::vector<std::string> metric_names;
  int64_t last_step = -1;                      // last /metrics/step row, -1 when none
  std::map<std::string, double> last_metrics;  // last row of each /metrics/<name>
  // Steps per second between the last two metric rows of the same attempt (their wall_s
  // increases); NaN with fewer rows.
  double steps_per_second = std::numeric_limits<double>::quiet_NaN();
  std::map<std::string, double> last_eval;  // last row of each /eval/<name> (but step)
};

// Opens read-only; nullopt when the file does not exist. Throws std::runtime_error naming the
// file when it exists but cannot be read as a run file.
std::optional<RunFileSummary> read_run_summary(const std::filesystem::path& path);

// The /generator arrays in the order set_generator received them (the group tracks creation
// order; files without it come back in name order). Throws std::runtime_error naming the file
// when it is missing, unreadable or has no /generator.
std::vector<NamedArray> read_generator(const std::filesystem::path& path);

// Removes "<dir>/.<name>.tmp" snapshots left by a killed writer (a missing folder is fine).
// Call it before any writer of that folder starts: it would delete a commit in progress.
void remove_stale_snapshots(const std::filesystem::path& runs_dir);

}  // namespace ganrun
