// Checks an LMDB data file against its own meta pages before LMDB maps it.
// LMDB trusts the file: a data.mdb shorter than its newest meta page says
// makes every read past the end a SIGBUS, and a 0-byte data.mdb is silently
// initialised as a new environment (a new run over lost events). This reads the
// two meta pages with plain reads (layout of mdb.c, 64-bit: MDB_meta after a
// 16-byte page header; mm_magic 0xBEEFC0DE, the page size in the free DB's
// md_pad, mm_last_pg, mm_txnid) and compares the file size with what the newer
// valid meta page needs.
// Pure function of the file; thread-safe. Errors: returns the problem as text
// naming the file (and the meta page and sizes), never throws.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace dais::eventstore {

// nullopt when `data_file` holds a valid meta page whose pages all lie within
// the file; otherwise what is wrong with it.
std::optional<std::string> data_file_problem(const std::filesystem::path& data_file);

}  // namespace dais::eventstore
