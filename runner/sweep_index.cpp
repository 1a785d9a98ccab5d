// runner/sweep_index.cpp — writes <out>/sweep.h5 (attrs, /sweep_text, /grid columns, /runs/<id>
// external links to runs/<id>.h5, /assignments columns) in one atomic snapshot, and reads its
// sweep text back.
#include "runner/sweep_index.h"

#include <hdf5.h>

#include <ctime>  // gmtime_r, std::strftime
#include <stdexcept>
#include <system_error>

#include "common/atomic_file.h"  // write_bytes_atomically
#include "common/utc_time.h"
#include "data/h5_check.h"
#include "runner/version.h"  // ganrun::version

namespace ganrun {
namespace {

namespace fs = std::filesystem;
using h5::Hid;

void write_int64s(hid_t loc, const char* name, const std::vector<int64_t>& v, const fs::path& p) {
  hsize_t dims[1] = {v.size()};
  Hid space(H5CALL(H5Screate_simple(1, dims, nullptr), p), H5Sclose);
  Hid ds(
      H5CALL(H5Dcreate2(loc, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), p),
      H5Dclose);
  if (!v.empty())
    H5CALL(H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), p);
}

void write_float64s(hid_t loc, const char* name, const std::vector<double>& v, const fs::path& p) {
  hsize_t dims[1] = {v.size()};
  Hid space(H5CALL(H5Screate_simple(1, dims, nullptr), p), H5Sclose);
  Hid ds(H5CALL(H5Dcreate2(loc, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                p),
         H5Dclose);
  if (!v.empty())
    H5CALL(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), p);
}

// One column per field, like /grid: h5py and pandas read each as an array of equal length.
void write_assignments(hid_t file, const std::vector<Assignment>& log, const fs::path& p) {
  Hid group = h5::create_group(file, "assignments", /*track_order=*/true, p);
  std::vector<int64_t> invocation, rank, run_group;
  std::vector<std::string> run_id, outcome;
  std::vector<double> start, end;
  for (const auto& a : log) {
    invocation.push_back(a.invocation);
    rank.push_back(a.rank);
    run_group.push_back(a.group);
    run_id.push_back(a.run_id);
    start.push_back(a.start);
    end.push_back(a.end);
    outcome.push_back(a.outcome);
  }
  write_int64s(group, "invocation", invocation, p);
  write_int64s(group, "rank", rank, p);
  write_int64s(group, "group", run_group, p);
  h5::write_strings(group, "run_id", run_id, /*scalar=*/false, p);
  write_float64s(group, "start", start, p);
  write_float64s(group, "end", end, p);
  h5::write_strings(group, "outcome", outcome, /*scalar=*/false, p);
}

}  // namespace

void write_sweep_index(const std::filesystem::path& path, const std::string& sweep_name,
                       const std::string& sweep_text, const std::vector<std::string>& grid_keys,
                       const std::vector<SweepIndexRun>& runs,
                       const std::vector<Assignment>& assignments) {
  h5::silence_errors();
  for (const auto& key : grid_keys) {
    if (key.empty() || key.find('/') != std::string::npos || key == "." || key == "run_id" ||
        key == "rank")
      throw std::invalid_argument(path.string() + ": grid key '" + key +
                                  "' cannot be a /grid column name");
  }
  for (const auto& run : runs) {
    if (run.run_id.empty() || run.run_id.find('/') != std::string::npos || run.run_id == ".")
      throw std::invalid_argument(path.string() + ": invalid run id '" + run.run_id + "'");
  }

  // Built in memory and written by write_bytes_atomically, as run files are (run_file.cpp).
  std::vector<char> image;
  {
    Hid file = h5::create_in_memory(path);
    {  // every object is closed at the end of this block, before the file's checked close
      h5::write_string_attr(file, "name", sweep_name, path);
      h5::write_string_attr(file, "ganrun_version", version(), path);
      h5::write_string_attr(file, "created", utc_now(), path);
      h5::write_strings(file, "sweep_text", {sweep_text}, /*scalar=*/true, path);

      Hid grid = h5::create_group(file, "grid", /*track_order=*/true, path);
      std::vector<std::string> ids;
      std::vector<int64_t> ranks;
      for (const auto& run : runs) {
        ids.push_back(run.run_id);
        ranks.push_back(run.rank);
      }
      h5::write_strings(grid, "run_id", ids, /*scalar=*/false, path);
      write_int64s(grid, "rank", ranks, path);
      for (const auto& key : grid_keys) {
        std::vector<std::string> column;  // "" where a run's grid point lacks the key
        for (const auto& run : runs) {
          std::string value;
          for (const auto& [k, v] : run.grid_point)
            if (k == key) value = v;
          column.push_back(std::move(value));
        }
        h5::write_strings(grid, key, column, /*scalar=*/false, path);
      }

      // Relative targets: HDF5 resolves them against sweep.h5's folder, so <out> can move.
      Hid links = h5::create_group(file, "runs", /*track_order=*/true, path);
      for (const auto& run : runs) {
        const std::string target = "runs/" + run.run_id + ".h5";
        H5CALL(H5Lcreate_external(target.c_str(), "/", links, run.run_id.c_str(), H5P_DEFAULT,
                                  H5P_DEFAULT),
               path);
      }
      write_assignments(file, assignments, path);
    }
    image = h5::file_image(file, path);
    H5CALL(file.close(), path);
  }
  write_bytes_atomically(path, image.data(), image.size(), "the sweep index");
}

std::optional<std::string> read_sweep_text(const std::filesystem::path& path) {
  h5::silence_errors();
  std::error_code ec;
  if (!fs::exists(path, ec) && !ec) return std::nullopt;
  try {
    Hid file = h5::open_readonly(path);
    Hid ds(H5CALL(H5Dopen2(file, "sweep_text", H5P_DEFAULT), path), H5Dclose);
    auto text = h5::read_strings(ds, /*is_attr=*/false, path);
    if (text.size() != 1) throw std::runtime_error("/sweep_text is not one string");
    return std::move(text[0]);
  } catch (const std::exception& e) {
    throw std::runtime_error(path.string() + ": not a readable ganrun sweep index: " + e.what());
  }
}

}  // namespace ganrun
