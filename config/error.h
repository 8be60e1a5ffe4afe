// ConfigError: the one exception the configuration layer throws for bad user
// input (unknown key, wrong type, out-of-range value, malformed YAML, an
// unreadable file, a malformed --set). Its message is meant to be shown as is:
// it names the key, the offending value, where it came from and what is
// allowed. Programming errors (asking for a key the schema lacks) are
// std::logic_error instead. A program exits with exit_code_for(error) == 2.
#pragma once

#include <stdexcept>
#include <string>

namespace dais::config {

// Exit status of a program that stops because its configuration is invalid
// (like a usage error: distinct from 1, a runtime failure).
inline constexpr int kConfigErrorExitCode = 2;

class ConfigError : public std::runtime_error {
 public:
  // key/value/source may be empty when the error is not about one value
  // (e.g. malformed YAML); the message is always complete on its own.
  explicit ConfigError(const std::string& message, std::string key = {}, std::string value = {},
                       std::string source = {})
      : std::runtime_error(message), key_(std::move(key)), value_(std::move(value)),
        source_(std::move(source)) {}

  const std::string& key() const noexcept { return key_; }
  const std::string& value() const noexcept { return value_; }
  const std::string& source() const noexcept { return source_; }

 private:
  std::string key_;
  std::string value_;
  std::string source_;
};

inline int exit_code_for(const ConfigError&) noexcept { return kConfigErrorExitCode; }

}  // namespace dais::config
