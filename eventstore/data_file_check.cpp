#include "eventstore/data_file_check.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

namespace dais::eventstore {

namespace {

// mdb.c (LMDB 0.9, 64-bit): PAGEHDRSZ 16; MDB_meta: mm_magic u32 @0, mm_version u32 @4,
// mm_address @8, mm_mapsize @16, mm_dbs[FREE_DBI] @24 (md_pad u32 = page size), mm_dbs[MAIN_DBI] @72,
// mm_last_pg @120, mm_txnid @128.
constexpr std::size_t kPageHeader = 16;
constexpr std::size_t kMetaSize = 136;
constexpr std::uint32_t kMagic = 0xBEEFC0DE;
constexpr std::uint32_t kDataVersion = 1;
constexpr std::uint16_t kMetaPageFlag = 0x08;  // P_META
constexpr std::uint32_t kMinPageSize = 512, kMaxPageSize = 0x10000;

template <class T>
T read_at(const std::vector<char>& bytes, std::size_t at) {
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof value);
  return value;
}

struct Meta {
  std::uint32_t page_size = 0;
  std::uint64_t last_page = 0;
  std::uint64_t txnid = 0;
};

// The meta page at `offset`, or the reason it is not one.
std::optional<Meta> read_meta(std::ifstream& in, std::uint64_t offset, std::uint64_t file_size, std::string& why) {
  if (file_size < offset + kPageHeader + kMetaSize) {
    why = "it ends before byte " + std::to_string(offset + kPageHeader + kMetaSize);
    return std::nullopt;
  }
  std::vector<char> bytes(kPageHeader + kMetaSize);
  in.clear();
  in.seekg(static_cast<std::streamoff>(offset));
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) {
    why = "it cannot be read";
    return std::nullopt;
  }
  const auto flags = read_at<std::uint16_t>(bytes, 10);
  const auto magic = read_at<std::uint32_t>(bytes, kPageHeader);
  const auto version = read_at<std::uint32_t>(bytes, kPageHeader + 4);
  Meta meta;
  meta.page_size = read_at<std::uint32_t>(bytes, kPageHeader + 24);
  meta.last_page = read_at<std::uint64_t>(bytes, kPageHeader + 120);
  meta.txnid = read_at<std::uint64_t>(bytes, kPageHeader + 128);
  if (magic != kMagic || !(flags & kMetaPageFlag)) {
    why = "it has no LMDB meta page signature";
  } else if (version != kDataVersion) {
    why = "its format version is " + std::to_string(version) + ", not " + std::to_string(kDataVersion);
  } else if (meta.page_size < kMinPageSize || meta.page_size > kMaxPageSize ||
             (meta.page_size & (meta.page_size - 1)) != 0) {
    why = "its page size " + std::to_string(meta.page_size) + " is impossible";
  } else if (meta.last_page < 1 || meta.last_page > (std::uint64_t{1} << 48)) {
    why = "its last page number " + std::to_string(meta.last_page) + " is impossible";
  } else {
    return meta;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> data_file_problem(const std::filesystem::path& data_file) {
  const std::string name = data_file.string();
  std::error_code ec;
  const auto file_size = std::filesystem::file_size(data_file, ec);
  if (ec) return name + ": cannot read its size: " + ec.message();
  if (file_size == 0) {
    return name + " is empty (0 bytes): the log it held is lost (truncated or never written); "
                  "refusing to start a new log over it";
  }
  std::ifstream in(data_file, std::ios::binary);
  if (!in) return name + ": cannot open it for reading";

  std::string why0, why1;
  const auto meta0 = read_meta(in, 0, file_size, why0);
  // Meta page 1 follows page 0; its offset is the page size, read from page 0 or else the usual sizes.
  std::optional<Meta> meta1;
  for (const std::uint64_t size : {std::uint64_t{meta0 ? meta0->page_size : 0}, std::uint64_t{4096}, std::uint64_t{16384},
                                   std::uint64_t{65536}}) {
    if (size == 0) continue;
    std::string why;
    meta1 = read_meta(in, size, file_size, why);
    if (meta1 && meta1->page_size == size) break;
    meta1.reset();
    if (why1.empty()) why1 = why;
  }
  if (!meta0 && !meta1) {
    return name + " is not a DAIS log, or a damaged one: neither meta page is valid (page 0: " + why0 +
           "; page 1: " + why1 + "), so it is not a readable LMDB environment";
  }
  const bool newest_is_1 = meta1 && (!meta0 || meta1->txnid > meta0->txnid);
  const Meta& meta = newest_is_1 ? *meta1 : *meta0;
  if (meta0 && meta1 && meta0->page_size != meta1->page_size) {
    return name + " is damaged: its meta pages disagree on the page size (" + std::to_string(meta0->page_size) +
           " and " + std::to_string(meta1->page_size) + ")";
  }
  const std::uint64_t needed = (meta.last_page + 1) * meta.page_size;
  if (file_size < needed) {
    return name + " is truncated: it has " + std::to_string(file_size) + " bytes, but its meta page " +
           (newest_is_1 ? "1" : "0") + " (transaction " + std::to_string(meta.txnid) + ") says it holds pages 0.." +
           std::to_string(meta.last_page) + " of " + std::to_string(meta.page_size) + " bytes (" +
           std::to_string(needed) + " bytes); refusing to map it";
  }
  return std::nullopt;
}

}  // namespace dais::eventstore
