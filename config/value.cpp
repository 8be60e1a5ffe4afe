#include "config/value.h"

#include <charconv>
#include <cmath>

#include <yaml-cpp/yaml.h>

namespace dais::config {
namespace {

std::string_view trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

// from_chars rejects a leading '+', which people write ("+5") and YAML allows.
std::string_view strip_plus(std::string_view text) {
  if (text.size() > 1 && text.front() == '+' && text[1] != '-' && text[1] != '+') text.remove_prefix(1);
  return text;
}

Parsed fail(std::string problem) { return Parsed{std::nullopt, std::move(problem)}; }
Parsed ok(Value value) { return Parsed{std::move(value), {}}; }

Parsed parse_integer(std::string_view text) {
  text = strip_plus(trim(text));
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) return fail("is out of range");
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return fail("is not an integer");
  return ok(value);
}

Parsed parse_real(std::string_view text) {
  text = strip_plus(trim(text));
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) return fail("is out of range");
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return fail("is not a number");
  if (!std::isfinite(value)) return fail("is not a finite number");
  return ok(value);
}

Parsed parse_boolean(std::string_view text) {
  std::string lower(trim(text));
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "true" || lower == "yes" || lower == "1") return ok(true);
  if (lower == "false" || lower == "no" || lower == "0") return ok(false);
  return fail("is not a boolean");
}

Parsed parse_list(std::string_view text) {
  const std::string_view body = trim(text);
  StringList items;
  if (!body.empty() && body.front() == '[') {
    YAML::Node node;
    try {
      node = YAML::Load(std::string(body));
    } catch (const YAML::Exception&) {
      return fail("is not a valid list (malformed [a, b] sequence)");
    }
    if (!node.IsSequence()) return fail("is not a valid list (malformed [a, b] sequence)");
    for (const auto& item : node) {
      if (!item.IsScalar()) return fail("is not a list of strings");
      items.push_back(item.Scalar());
    }
    return ok(std::move(items));
  }
  std::size_t start = 0;
  while (start <= body.size()) {
    const std::size_t comma = body.find(',', start);
    const std::size_t stop = comma == std::string_view::npos ? body.size() : comma;
    const std::string_view item = trim(body.substr(start, stop - start));
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return ok(std::move(items));
}

std::string format_double(double value) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  (void)ec;  // 64 bytes always suffice for the shortest round-trip form
  return std::string(buffer, end);
}

}  // namespace

std::string_view type_name(ValueType type) {
  switch (type) {
    case ValueType::integer: return "int";
    case ValueType::real: return "double";
    case ValueType::boolean: return "bool";
    case ValueType::string: return "string";
    case ValueType::string_list: return "string list";
  }
  return "?";
}

ValueType type_of(const Value& value) { return static_cast<ValueType>(value.index()); }

Parsed parse_text(ValueType type, std::string_view text) {
  switch (type) {
    case ValueType::integer: return parse_integer(text);
    case ValueType::real: return parse_real(text);
    case ValueType::boolean: return parse_boolean(text);
    case ValueType::string: return ok(std::string(text));
    case ValueType::string_list: return parse_list(text);
  }
  return fail("has an unknown type");
}

Parsed value_from_json(ValueType type, const nlohmann::json& json) {
  switch (type) {
    case ValueType::integer:
      if (json.is_number_integer()) {
        if (json.is_number_unsigned() && json.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
          return fail("is out of range");
        return ok(json.get<std::int64_t>());
      }
      return fail("is not an integer");
    case ValueType::real:
      if (json.is_number()) return ok(json.get<double>());
      return fail("is not a number");
    case ValueType::boolean:
      if (json.is_boolean()) return ok(json.get<bool>());
      return fail("is not a boolean");
    case ValueType::string:
      if (json.is_string()) return ok(json.get<std::string>());
      return fail("is not a string");
    case ValueType::string_list: {
      if (!json.is_array()) return fail("is not a list of strings");
      StringList items;
      for (const auto& item : json) {
        if (!item.is_string()) return fail("is not a list of strings");
        items.push_back(item.get<std::string>());
      }
      return ok(std::move(items));
    }
  }
  return fail("has an unknown type");
}

nlohmann::json value_to_json(const Value& value) {
  return std::visit([](const auto& v) { return nlohmann::json(v); }, value);
}

std::string format_value(const Value& value) {
  switch (type_of(value)) {
    case ValueType::integer: return std::to_string(std::get<std::int64_t>(value));
    case ValueType::real: return format_double(std::get<double>(value));
    case ValueType::boolean: return std::get<bool>(value) ? "true" : "false";
    case ValueType::string: return quote(std::get<std::string>(value));
    case ValueType::string_list: {
      std::string text = "[";
      for (const auto& item : std::get<StringList>(value)) {
        if (text.size() > 1) text += ", ";
        text += quote(item);
      }
      return text + "]";
    }
  }
  return "?";
}

std::string quote(std::string_view text) {
  // replace: invalid UTF-8 from an environment must not turn into a second error
  return nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace dais::config
