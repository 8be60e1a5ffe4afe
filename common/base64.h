// Standard base64 (RFC 4648 §4, with '=' padding), as C2SP signed notes and
// checkpoints use it. Pure functions; thread-safe.
// Errors: decode returns nullopt for anything that is not canonical padded base64.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dais {

std::string base64_encode(std::string_view bytes);
// nullopt for a wrong length, a character outside the alphabet, misplaced
// padding or non-zero bits after the last character (so one text, one value).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace dais
