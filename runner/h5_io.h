// runner/h5_io.h — the HDF5 pieces shared by the run file (runner/run_file.cpp), the reference
// nets' files (runner/reference_file.cpp) and the evaluation's export: typed scalar attributes
// chunked, extendible datasets and groups of named arrays. Implemented in runner/run_file.cpp.
#pragma once

#include <hdf5.h>

#include <filesystem>
#include <string>
#include <vector>

#include "runner/run_file.h"  // AttrValue, AttrMap, NamedArray

namespace ganrun {

// A scalar attribute: strings as variable-length UTF-8, int64_t as 64-bit integers, double as
// 64-bit floats.
void write_attr(hid_t loc, const std::string& name, const AttrValue& value,
                const std::filesystem::path& p);

// Every scalar string, integer and float attribute of `loc` (others are skipped).
AttrMap read_attrs(hid_t loc, const std::filesystem::path& p);

// A chunked dataset, extendible along dim 0 (and along any other dim that is 0 now), written
// whole in one H5Dwrite. chunk_rows rows per chunk, the other chunk dims = the dataset's.
void write_extendible(hid_t loc, const std::string& name, hid_t file_type, hid_t mem_type,
                      std::vector<hsize_t> dims, hsize_t chunk_rows, const void* data,
                      const std::filesystem::path& p);

// Arrays (float32 or float64, any rank, scalars too) as datasets of `group`, in order; a group
// made with track_order reads them back in that order.
void write_named_arrays(hid_t group, const std::vector<NamedArray>& arrays,
                        const std::filesystem::path& p);
// Every dataset of `group` as a NamedArray, in the group's link order; std::runtime_error when
// one is not float32 or float64 (named as group_name/<name>).
std::vector<NamedArray> read_named_arrays(hid_t group, const std::string& group_name,
                                          const std::filesystem::path& path);

}  // namespace ganrun
