// Logging: JSON lines are valid JSON whatever the message holds, the level
// filters, loggers are per component and shared, the rotating file works,
// and reconfiguring while other threads log loses nothing.
#include <doctest/doctest.h>

#include <atomic>
#include <regex>
#include <sstream>
#include <thread>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "common/temp_dir.h"
#include "config/logging.h"
#include "tests/support/text_files.h"

using namespace dais::config;
using dais::TempDir;
using dais::test::lines_of;
using dais::test::read_text;

namespace {

Config config_with(std::vector<std::string> sets) {
  LoadRequest request;
  request.sets = std::move(sets);
  return load(request);
}

}  // namespace

TEST_CASE("json format: one valid JSON object per line, even with quotes, newlines and control bytes") {
  static constexpr char kWithNul[] = "nul \0 and \x01 bell \x07";
  std::ostringstream out;
  setup_logging(config_with({"log.format=json", "log.level=debug"}), std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  const std::vector<std::string> messages = {
      "plain",
      "say \"hi\" \\ back",
      "two\nlines\r\tand a tab",
      std::string(kWithNul, sizeof kWithNul - 1),
      "unicode: caf\xc3\xa9 \xe2\x9c\x93",
      "{\"looks\": \"like json\"}",
  };
  const auto engine = logger("engine");
  for (const std::string& message : messages) engine->info("{}", message);
  logger("api")->debug("n={} ok={}", 3, true);

  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == messages.size() + 1);
  const std::regex iso_time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  for (std::size_t i = 0; i < messages.size(); ++i) {
    CAPTURE(lines[i]);
    const auto json = nlohmann::json::parse(lines[i]);
    CHECK(json.size() == 4);
    CHECK(json.at("msg") == messages[i]);
    CHECK(json.at("level") == "info");
    CHECK(json.at("logger") == "engine");
    CHECK(std::regex_match(json.at("time").get<std::string>(), iso_time));
  }
  const auto last = nlohmann::json::parse(lines.back());
  CHECK(last.at("msg") == "n=3 ok=true");
  CHECK(last.at("level") == "debug");
  CHECK(last.at("logger") == "api");
  CHECK(lines.front().find("{\"time\":") == 0);  // fields in a fixed, readable order
}

TEST_CASE("json format: invalid UTF-8 in a message still gives a valid line") {
  std::ostringstream out;
  setup_logging(config_with({"log.format=json"}), std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger("engine")->warn("bad bytes: \xff\xfe end");
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 1);
  const auto json = nlohmann::json::parse(lines[0]);
  CHECK(json.at("level") == "warn");
  CHECK(json.at("msg").get<std::string>().find("bad bytes: ") == 0);
  CHECK(json.at("msg").get<std::string>().find(" end") != std::string::npos);
}

TEST_CASE("the level filters, for loggers made before and after setup") {
  const auto early = logger("early");
  std::ostringstream out;
  setup_logging(config_with({"log.level=warn", "log.format=json"}), std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  const auto late = logger("late-component");
  for (const auto& log : {early, late}) {
    log->trace("t");
    log->debug("d");
    log->info("i");
    log->warn("w");
    log->error("e");
  }
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 4);
  CHECK(nlohmann::json::parse(lines[0]).at("msg") == "w");
  CHECK(nlohmann::json::parse(lines[1]).at("msg") == "e");
  CHECK(nlohmann::json::parse(lines[1]).at("level") == "error");
  CHECK(nlohmann::json::parse(lines[2]).at("logger") == "late-component");

  std::ostringstream silent;
  setup_logging(config_with({"log.level=off"}), std::make_shared<spdlog::sinks::ostream_sink_mt>(silent));
  early->error("dropped");
  late->critical("dropped");
  CHECK(silent.str().empty());

  std::ostringstream verbose;
  setup_logging(config_with({"log.level=trace"}), std::make_shared<spdlog::sinks::ostream_sink_mt>(verbose));
  early->trace("now visible");
  CHECK(verbose.str().find("now visible") != std::string::npos);
}

TEST_CASE("text format names level and component; logger() returns one logger per component") {
  std::ostringstream out;
  setup_logging(config_with({}), std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  CHECK(logger("store") == logger("store"));
  CHECK(logger("store") != logger("engine"));
  logger("store")->info("opened {}", "/data");
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("[info] [store] opened /data") != std::string::npos);
  CHECK(lines[0].front() == '[');

  spdlog::info("through the default logger");  // stray spdlog calls obey the configuration too
  CHECK(out.str().find("[dais] through the default logger") != std::string::npos);
}

TEST_CASE("log.file: JSON lines in a file that rotates at log.file_max_mb keeping log.file_count") {
  TempDir dir;
  const auto file = dir.path() / "daisd.log";
  std::ostringstream console;
  setup_logging(config_with({"log.format=json", "log.file=" + file.string(), "log.file_max_mb=1", "log.file_count=2"}),
                std::make_shared<spdlog::sinks::ostream_sink_mt>(console));
  const std::string padding(200, 'x');
  for (int i = 0; i < 15000; ++i) logger("engine")->info("line {} {}", i, padding);  // ~3.5 MiB in all

  CHECK(std::filesystem::exists(dir.path() / "daisd.log"));
  CHECK(std::filesystem::exists(dir.path() / "daisd.1.log"));
  CHECK(std::filesystem::exists(dir.path() / "daisd.2.log"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "daisd.3.log"));
  for (const char* name : {"daisd.log", "daisd.1.log", "daisd.2.log"}) {
    CAPTURE(name);
    CHECK(std::filesystem::file_size(dir.path() / name) <= 1024 * 1024);
    for (const std::string& line : lines_of(read_text(dir.path() / name)))
      CHECK(nlohmann::json::parse(line).at("logger") == "engine");
  }
  const auto newest = lines_of(read_text(file));
  REQUIRE(!newest.empty());
  CHECK(nlohmann::json::parse(newest.back()).at("msg").get<std::string>().find("line 14999 ") == 0);
  CHECK(lines_of(console.str()).size() == 15000);  // the console still gets everything
  setup_logging(config_with({}), std::make_shared<spdlog::sinks::ostream_sink_mt>(console));  // release the file
}

TEST_CASE("an unopenable log.file is a ConfigError naming log.file") {
  TempDir dir;
  const auto not_a_dir = dir.write("plain", "x");
  const std::string bad = (not_a_dir / "daisd.log").string();
  std::ostringstream console;
  try {
    setup_logging(config_with({"log.file=" + bad}), std::make_shared<spdlog::sinks::ostream_sink_mt>(console));
    FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    CAPTURE(message);
    CHECK(message.find("log.file: \"" + bad + "\" (from --set) cannot be opened") == 0);
  }
}

TEST_CASE("reconfiguring while threads log loses no line and breaks none") {
  std::ostringstream first;
  std::ostringstream second;
  const auto sink_a = std::make_shared<spdlog::sinks::ostream_sink_mt>(first);
  const auto sink_b = std::make_shared<spdlog::sinks::ostream_sink_mt>(second);
  const Config json = config_with({"log.format=json"});
  setup_logging(json, sink_a);

  constexpr int kThreads = 4;
  constexpr int kLines = 2000;
  std::atomic<int> finished{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([t, &finished] {
      for (int i = 0; i < kLines; ++i) logger("worker-" + std::to_string(t % 2))->info("t{} line {}", t, i);
      ++finished;
    });
  // Keep swapping sinks for as long as any worker is still logging.
  int rounds = 0;
  while (finished < kThreads) setup_logging(json, ++rounds % 2 ? sink_a : sink_b);
  for (auto& thread : threads) thread.join();

  std::size_t total = 0;
  for (const auto* out : {&first, &second}) {
    for (const std::string& line : lines_of(out->str())) {
      const auto parsed = nlohmann::json::parse(line);
      CHECK(parsed.at("logger").get<std::string>().rfind("worker-", 0) == 0);
      ++total;
    }
  }
  CHECK(total == kThreads * kLines);
}
