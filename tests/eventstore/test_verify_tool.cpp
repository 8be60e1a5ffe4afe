// dais-verify's command line: exit codes, messages, ranges, --json, --expect.
#include <doctest/doctest.h>

#include <fstream>

#include "common/sha256.h"
#include "common/temp_dir.h"
#include "eventstore/store.h"
#include "tests/eventstore/test_support.h"

using namespace dais::eventstore;
using namespace dais::eventstore::testing;
using dais::TempDir;

TEST_CASE("usage errors and directories that are not a log exit 2 with a clear message") {
  TempDir tmp;
  auto r = run_verify_tool({});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("DIR is required") != std::string::npos);

  r = run_verify_tool({(tmp / "absent").string()});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("no DAIS log here") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(tmp / "absent"));

  std::filesystem::create_directory(tmp / "other");
  std::ofstream(tmp / "other" / "photo.jpg") << "jpeg";
  r = run_verify_tool({(tmp / "other").string()});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("not a DAIS log") != std::string::npos);
  CHECK(r.output.find("photo.jpg") != std::string::npos);

  write_log(tmp / "log", 12);
  CHECK(run_verify_tool({(tmp / "log").string(), "--from", "9", "--to", "2"}).exit_code == 2);
  CHECK(run_verify_tool({(tmp / "log").string(), "--expect", "3"}).exit_code == 2);
  CHECK(run_verify_tool({(tmp / "log").string(), "--expect", "3:xyz"}).exit_code == 2);
  CHECK(run_verify_tool({(tmp / "log").string(), "--threads", "-1"}).exit_code == 2);
  CHECK(run_verify_tool({(tmp / "log").string(), "--bogus"}).exit_code == 2);
  CHECK(run_verify_tool({"--help"}).exit_code == 0);
}

TEST_CASE("ranges, --json, --threads and --expect on an intact log") {
  TempDir tmp;
  write_log(tmp / "log", 30);
  std::string hash5, head_hash;
  {
    StoreOptions ro;
    ro.read_only = true;
    auto store = Store::open(tmp / "log", ro);
    hash5 = dais::to_hex(store->get(5)->hash);
    head_hash = dais::to_hex(store->head().hash);
  }
  const std::string dir = (tmp / "log").string();

  auto r = run_verify_tool({dir, "--threads", "1"});
  CHECK(r.exit_code == 0);
  CHECK(r.output.rfind("ok: 30 events, head 29 " + head_hash + ", ", 0) == 0);
  CHECK(r.output.find("events/s") != std::string::npos);

  r = run_verify_tool({dir, "--from", "3", "--to", "10"});
  CHECK(r.exit_code == 0);
  CHECK(r.output.rfind("ok: 8 events, last 10 ", 0) == 0);

  r = run_verify_tool({dir, "--json", "--to", "5"});
  CHECK(r.exit_code == 0);
  CHECK(r.output.find(R"("ok":true)") != std::string::npos);
  CHECK(r.output.find(R"("checked":6)") != std::string::npos);
  CHECK(r.output.find(R"("last_hash":")" + hash5 + "\"") != std::string::npos);

  r = run_verify_tool({dir, "--json", "--to", "40"});
  CHECK(r.exit_code == 1);
  CHECK(r.output.find(R"("bad_seq":30)") != std::string::npos);
  CHECK(r.output.find(R"("problem":"missing_entry")") != std::string::npos);

  CHECK(run_verify_tool({dir, "--expect", "5:" + hash5, "--expect", "29:" + head_hash}).exit_code == 0);
  r = run_verify_tool({dir, "--expect", "5:" + head_hash});
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("seq 5 holds hash " + hash5 + ", expected " + head_hash + ": rewritten") != std::string::npos);
  r = run_verify_tool({dir, "--expect", "31:" + head_hash});
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("seq 31 is not in the log (it ends at seq 29): truncated") != std::string::npos);
}

TEST_CASE("an empty log is intact") {
  TempDir tmp;
  Store::open(tmp / "log");
  const auto r = run_verify_tool({(tmp / "log").string()});
  CHECK(r.exit_code == 0);
  CHECK(r.output.rfind("ok: 0 events (the log is empty)", 0) == 0);
}
