#include "config/logging.h"

#include <chrono>
#include <ctime>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace dais::config {
namespace {

constexpr const char* kTextPattern = "[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] [%n] %v";
constexpr std::size_t kMebibyte = 1024 * 1024;

std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warn";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "critical";
    default: return "off";
  }
}

spdlog::level::level_enum level_from(std::string_view name) {
  for (auto level : {spdlog::level::trace, spdlog::level::debug, spdlog::level::info, spdlog::level::warn,
                     spdlog::level::err, spdlog::level::critical})
    if (level_name(level) == name) return level;
  return spdlog::level::off;
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    nlohmann::ordered_json line;
    line["time"] = utc_time(msg.time);
    line["level"] = level_name(msg.level);
    line["logger"] = std::string(msg.logger_name.data(), msg.logger_name.size());
    line["msg"] = std::string(msg.payload.data(), msg.payload.size());
    // replace: a message with invalid UTF-8 still yields a valid JSON line
    const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    dest.append(text.data(), text.data() + text.size());
    dest.push_back('\n');
  }

  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }

 private:
  // ISO 8601 UTC with milliseconds, e.g. 2024-05-01T12:00:00.123Z.
  static std::string utc_time(spdlog::log_clock::time_point time) {
    const auto since_epoch = time.time_since_epoch();
    const std::time_t seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % 1000;
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char buffer[40];
    const std::size_t length = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &parts);
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(millis));
    return std::string(buffer, length) + fraction;
  }
};

// The shared state behind logger(): every logger writes into one fan-out sink,
// so setup_logging() swaps the real sinks in one place, under the sink's lock.
struct Registry {
  std::mutex mutex;
  std::shared_ptr<spdlog::sinks::dist_sink_mt> fanout;
  spdlog::level::level_enum level = spdlog::level::info;
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers;

  Registry() {
    auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    console->set_formatter(std::make_unique<spdlog::pattern_formatter>(kTextPattern));
    fanout = std::make_shared<spdlog::sinks::dist_sink_mt>(std::vector<spdlog::sink_ptr>{console});
  }
};

// Deliberately never destroyed: components may still log from static destructors.
Registry& registry() {
  static Registry* instance = new Registry();
  return *instance;
}

std::shared_ptr<spdlog::logger> logger_locked(Registry& r, std::string_view component) {
  const auto it = r.loggers.find(component);
  if (it != r.loggers.end()) return it->second;
  auto created = std::make_shared<spdlog::logger>(std::string(component), r.fanout);
  created->set_level(r.level);
  created->flush_on(spdlog::level::trace);  // a crash must not swallow the last lines
  r.loggers.emplace(std::string(component), created);
  return created;
}

}  // namespace

std::unique_ptr<spdlog::formatter> make_json_formatter() { return std::make_unique<JsonFormatter>(); }

void setup_logging(const Config& config, spdlog::sink_ptr console) {
  const bool json = config.get_string("log.format") == "json";
  const auto formatter = [json]() -> std::unique_ptr<spdlog::formatter> {
    if (json) return make_json_formatter();
    return std::make_unique<spdlog::pattern_formatter>(kTextPattern);
  };

  std::vector<spdlog::sink_ptr> sinks;
  if (!console) {
    // Colour escapes would corrupt JSON lines, so JSON uses the plain sink.
    if (json) console = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    else console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  }
  console->set_formatter(formatter());
  sinks.push_back(console);

  if (const std::string file = config.get_string("log.file"); !file.empty()) {
    const auto max_bytes = static_cast<std::size_t>(config.get_int("log.file_max_mb")) * kMebibyte;
    const auto count = static_cast<std::size_t>(config.get_int("log.file_count"));
    try {
      auto rotating = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(file, max_bytes, count);
      rotating->set_formatter(formatter());
      sinks.push_back(std::move(rotating));
    } catch (const spdlog::spdlog_ex& e) {
      throw bad_value_error(*find_key("log.file"), quote(file), config.source("log.file"),
                            std::string("cannot be opened (") + e.what() + ")");
    }
  }

  Registry& r = registry();
  std::shared_ptr<spdlog::logger> fallback;
  {
    std::lock_guard lock(r.mutex);
    r.level = level_from(config.get_string("log.level"));
    r.fanout->set_sinks(std::move(sinks));
    for (auto& [name, existing] : r.loggers) existing->set_level(r.level);
    fallback = logger_locked(r, "dais");
  }
  spdlog::set_default_logger(fallback);
}

std::shared_ptr<spdlog::logger> logger(std::string_view component) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return logger_locked(r, component);
}

}  // namespace dais::config
