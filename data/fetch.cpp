// data/fetch.cpp — fetch_file (libcurl: resume, HTTP errors, MD5, atomic rename) and
// fetch_dataset (the catalogue's published files, mirrors, the CIFAR-10 archive through
// libarchive). Every file appears under its final name only once complete and checked, through
// common/atomic_file.h.
#include "data/fetch.h"

#include <archive.h>        // archive_read_new, archive_read_open_filename, archive_read_data_block
#include <archive_entry.h>  // archive_entry_pathname, archive_entry_filetype
#include <curl/curl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>  // std::strerror
#include <memory>
#include <stdexcept>
#include <system_error>

#include "common/atomic_file.h"  // publish_file, write_file_atomically
#include "data/cifar_reader.h"   // kCifarBatchesFolder, cifar10_batches_dir
#include "data/data_error.h"
#include "data/dataset_catalog.h"
#include "data/verify.h"  // md5_file

namespace ganrun::data {
namespace {

namespace fs = std::filesystem;

// A connection that cannot be opened in this time is reported, not waited on forever.
constexpr long kConnectTimeoutS = 30;
// A transfer slower than kLowSpeedBytes per second for kLowSpeedTimeS is a stalled one: it
// fails (keeping the .part for a resume) instead of hanging the command.
constexpr long kLowSpeedBytes = 1;
constexpr long kLowSpeedTimeS = 60;
// Redirects a mirror may use (http -> https and the like), not an unbounded chain.
constexpr long kMaxRedirects = 5;
// The size of each member of the complete official CIFAR-10 set.
constexpr std::uintmax_t kCifarBatchBytes = 10000 * 3073;  // 10,000 records of 1 + 3072 bytes

std::string errno_text() { return std::strerror(errno); }

// Makes the complete `part` durable under its final name (publish_file); a failure is a
// DataError naming the file and the cause, and leaves `part` for a rerun.
void publish(const fs::path& part, const fs::path& dest) {
  try {
    publish_file(part, dest);
  } catch (const std::runtime_error& e) {
    throw DataError(dest.string() + ": cannot publish the download: " + e.what());
  }
}

std::uintmax_t size_or_zero(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

void curl_global_once() {
  static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK)
    throw std::runtime_error(std::string("curl_global_init failed: ") + curl_easy_strerror(rc));
}

struct Sink {
  std::FILE* file = nullptr;
  std::uintmax_t written = 0;
  std::string write_error;
};

size_t write_to_sink(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t n = size * count;
  if (std::fwrite(data, 1, n, sink->file) != n) {
    sink->write_error = errno_text();
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  sink->written += n;
  return n;
}

struct Transfer {
  CURLcode code = CURLE_OK;
  long http_status = 0;
  std::string message;  // libcurl's detailed error text
  std::uintmax_t written = 0;
  std::string write_error;
};

// One GET of url appended to part, asking for bytes from `offset` on when offset > 0.
Transfer transfer(const std::string& url, const fs::path& part, std::uintmax_t offset) {
  curl_global_once();
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw std::runtime_error("curl_easy_init failed");
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(
      std::fopen(part.c_str(), offset > 0 ? "ab" : "wb"), std::fclose);
  if (!file) throw DataError(part.string() + ": cannot write (" + errno_text() + ")");
  Sink sink;
  sink.file = file.get();
  char error_buffer[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, kMaxRedirects);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "ganrun-data-fetch");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutS);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, kLowSpeedBytes);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, kLowSpeedTimeS);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_to_sink);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(offset));
  Transfer t;
  t.code = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t.http_status);
  t.message = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(t.code);
  t.written = sink.written;
  t.write_error = sink.write_error;
  if (std::fflush(file.get()) != 0 && t.write_error.empty()) t.write_error = errno_text();
  return t;
}

void remove_quietly(const fs::path& p) {
  std::error_code ec;
  fs::remove(p, ec);
}

std::string with_slash(std::string base) {
  if (!base.empty() && base.back() != '/') base += '/';
  return base;
}

// A mirror given as a folder (no scheme) becomes a file:// URL of its absolute path.
std::string mirror_base(const std::string& mirror) {
  if (mirror.find("://") != std::string::npos) return with_slash(mirror);
  return with_slash("file://" + fs::absolute(mirror).lexically_normal().string());
}

bool cifar_unpacked(const fs::path& dir) {
  const fs::path batches = dir / kCifarBatchesFolder;
  std::vector<std::string> members = {"test_batch.bin"};
  for (int k = 1; k <= 5; ++k) members.push_back("data_batch_" + std::to_string(k) + ".bin");
  for (const auto& m : members)
    if (size_or_zero(batches / m) != kCifarBatchBytes) return false;
  return fs::exists(batches / "batches.meta.txt");
}

// Accepts "cifar-10-batches-bin/<file>" (after normalising "./" and the like) and nothing
// else: no absolute paths, no "..", no deeper folders.
bool cifar_member(const std::string& entry_name, std::string& file_name) {
  const fs::path p = fs::path(entry_name).lexically_normal();
  if (p.is_absolute()) return false;
  std::vector<std::string> parts;
  for (const auto& part : p) parts.push_back(part.string());
  if (parts.size() != 2 || parts[0] != kCifarBatchesFolder) return false;
  if (parts[1].empty() || parts[1] == "." || parts[1] == "..") return false;
  file_name = parts[1];
  return true;
}

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};

// Writes the data of the archive member just read to `tmp`, closed and complete on return.
void write_member(archive* a, const fs::path& tmp, const fs::path& tarball) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(tmp.c_str(), "wb"), std::fclose);
  if (!f) throw DataError(tmp.string() + ": cannot create (" + errno_text() + ")");
  const void* buf = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  la_int64_t at = 0;
  int r = ARCHIVE_OK;
  while ((r = archive_read_data_block(a, &buf, &size, &offset)) == ARCHIVE_OK) {
    // Sparse members come with gaps; CIFAR's are plain, but fill gaps with zeros anyway.
    for (; at < offset; ++at) std::fputc(0, f.get());
    if (std::fwrite(buf, 1, size, f.get()) != size)
      throw DataError(tmp.string() + ": write failed (" + errno_text() + ")");
    at += static_cast<la_int64_t>(size);
  }
  if (r != ARCHIVE_EOF)
    throw DataError(tarball.string() + ": corrupt archive member (" + archive_error_string(a) +
                    ")");
  if (std::fclose(f.release()) != 0)
    throw DataError(tmp.string() + ": write failed (" + errno_text() + ")");
}

std::vector<FetchedFile> unpack_cifar(const fs::path& tarball, const fs::path& dir,
                                      const std::function<void(const std::string&)>& log) {
  std::unique_ptr<archive, ArchiveCloser> a(archive_read_new());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_tar(a.get());
  constexpr size_t kBlock = size_t{1} << 16;
  if (archive_read_open_filename(a.get(), tarball.c_str(), kBlock) != ARCHIVE_OK)
    throw DataError(tarball.string() + ": cannot open archive (" + archive_error_string(a.get()) +
                    ")");
  const fs::path out_dir = dir / kCifarBatchesFolder;
  fs::create_directories(out_dir);
  std::vector<FetchedFile> out;
  archive_entry* entry = nullptr;
  int rc = ARCHIVE_OK;
  while ((rc = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK) {
    std::string name;
    if (archive_entry_filetype(entry) != AE_IFREG ||
        !cifar_member(archive_entry_pathname(entry), name)) {
      archive_read_data_skip(a.get());
      continue;
    }
    const fs::path dest = out_dir / name;
    try {
      write_file_atomically(dest,
                            [&](const fs::path& tmp) { write_member(a.get(), tmp, tarball); });
    } catch (const std::runtime_error& e) {
      throw DataError(e.what());  // names dest and the cause; the temporary file is gone
    }
    FetchedFile ff;
    ff.path = dest;
    ff.bytes = size_or_zero(dest);
    ff.outcome = FetchOutcome::kDownloaded;
    if (log) log("unpacked " + dest.string() + " (" + std::to_string(ff.bytes) + " bytes)");
    out.push_back(std::move(ff));
  }
  if (rc != ARCHIVE_EOF)
    throw DataError(tarball.string() + ": corrupt archive (" + archive_error_string(a.get()) + ")");
  if (out.empty())
    throw DataError(tarball.string() + ": holds no " + kCifarBatchesFolder +
                    "/ files (is it the CIFAR-10 binary version?)");
  return out;
}

}  // namespace

const char* to_string(FetchOutcome outcome) {
  static constexpr const char* kNames[] = {"downloaded", "resumed",
                                           "already present"};  // enum order
  return kNames[static_cast<int>(outcome)];
}

FetchOutcome fetch_file(const std::string& url, const fs::path& dest,
                        const std::string& expected_md5) {
  if (fs::is_regular_file(dest) && md5_file(dest) == expected_md5)
    return FetchOutcome::kAlreadyPresent;
  const fs::path part = dest.string() + ".part";
  std::uintmax_t offset = fs::is_regular_file(part) ? size_or_zero(part) : 0;
  // A .part completed by an earlier run that stopped before its rename needs no request.
  if (offset > 0 && md5_file(part) == expected_md5) {
    publish(part, dest);
    return FetchOutcome::kResumed;
  }
  const bool resuming = offset > 0;
  Transfer t = transfer(url, part, offset);
  // 416: the .part is already as long as the file (or longer) yet wrong; CURLE_RANGE_ERROR:
  // the server answered 200 to the Range request. Either way the .part is useless: start over.
  if (resuming && (t.http_status == 416 || t.code == CURLE_RANGE_ERROR)) {
    offset = 0;
    t = transfer(url, part, 0);
  }
  if (!t.write_error.empty()) {
    throw DataError(part.string() + ": cannot write the download of " + url + " (" + t.write_error +
                    ")");
  }
  if (t.code == CURLE_HTTP_RETURNED_ERROR) {
    if (size_or_zero(part) == 0) remove_quietly(part);
    throw DataError(url + ": HTTP " + std::to_string(t.http_status) + " (" + t.message +
                    "); check the URL or --mirror");
  }
  if (t.code != CURLE_OK) {
    const auto kept = size_or_zero(part);
    if (kept == 0) {
      remove_quietly(part);
      throw DataError(url + ": download failed (" + t.message + ")");
    }
    throw DataError(url + ": download interrupted (" + t.message + "); kept " + part.string() +
                    " (" + std::to_string(kept) + " bytes): run the same command again to resume");
  }
  const std::string actual = md5_file(part);
  if (actual != expected_md5) {
    remove_quietly(part);
    throw DataError(url + ": checksum mismatch: expected MD5 " + expected_md5 + ", got " + actual +
                    " (download deleted; a wrong --mirror or a changed file)");
  }
  publish(part, dest);
  return resuming && offset > 0 ? FetchOutcome::kResumed : FetchOutcome::kDownloaded;
}

std::vector<FetchedFile> fetch_dataset(const std::string& name, const fs::path& dir,
                                       const FetchOptions& options) {
  const DatasetEntry* set = find_published(name);
  if (set == nullptr) throw std::invalid_argument("no published files for data set '" + name + "'");
  if (!options.split.empty() && options.split != "train" && options.split != "test")
    throw std::invalid_argument("split must be train or test, not '" + options.split + "'");
  for (const auto& [file, md5] : options.md5_override) {
    if (find_published_file(name, file) == nullptr)
      throw std::invalid_argument("'" + file + "' is not a file of " + name);
  }
  const bool archive = set->layout == FileLayout::kCifar10Binary;
  if (archive && !options.split.empty())
    throw std::invalid_argument(name + " comes as one archive holding both splits");
  const std::string base = options.mirror.empty() ? set->base_url : mirror_base(options.mirror);
  fs::create_directories(dir);

  if (archive && cifar_unpacked(dir)) {
    if (options.log)
      options.log((dir / kCifarBatchesFolder).string() + " already holds the complete set");
    return {};
  }
  std::vector<FetchedFile> out;
  for (const auto& f : set->files) {
    if (!options.split.empty() && f.split != options.split) continue;
    const auto it = options.md5_override.find(f.name);
    const std::string md5 = it != options.md5_override.end() ? it->second : f.md5;
    FetchedFile ff;
    ff.url = base + f.name;
    ff.path = dir / f.name;
    // Checked here too so that a complete file is reported without a "fetching" line.
    const bool present = fs::is_regular_file(ff.path) && md5_file(ff.path) == md5;
    if (!present && options.log) options.log("fetching " + ff.url);
    ff.outcome = present ? FetchOutcome::kAlreadyPresent : fetch_file(ff.url, ff.path, md5);
    ff.md5 = md5;
    ff.bytes = size_or_zero(ff.path);
    if (options.log)
      options.log(ff.path.string() + ": " + to_string(ff.outcome) + ", " +
                  std::to_string(ff.bytes) + " bytes, MD5 " + md5 + " OK");
    out.push_back(ff);
    if (archive) {
      auto members = unpack_cifar(ff.path, dir, options.log);
      if (!options.keep_archive) {
        remove_quietly(ff.path);
        if (options.log) options.log("deleted " + ff.path.string() + " (--keep-archive keeps it)");
      }
      out.insert(out.end(), members.begin(), members.end());
    }
  }
  return out;
}

}  // namespace ganrun::data
