#include "protocol/base64url.hpp"

#include <array>
#include <cstdint>

namespace qc::protocol {
namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// 0-63 for the alphabet, -1 for every other byte.
constexpr std::array<std::int8_t, 256> make_table() {
  std::array<std::int8_t, 256> table{};
  for (auto& v : table) v = -1;
  for (std::size_t i = 0; i < alphabet.size(); ++i)
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  return table;
}
constexpr auto decode_table = make_table();

} // namespace

bool is_base64url_text(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (decode_table[static_cast<unsigned char>(c)] < 0) return false;
  return true;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t bits = 0;
  int nbits = 0;
  for (char c : text) {
    const int v = decode_table[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out.push_back(static_cast<char>((bits >> nbits) & 0xFF));
    }
  }
  // 2 or 4 bits left over: they must be zero, or two texts would mean the same bytes.
  if ((bits & ((1u << nbits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::uint32_t bits = 0;
  int nbits = 0;
  for (char c : bytes) {
    bits = (bits << 8) | static_cast<unsigned char>(c);
    nbits += 8;
    while (nbits >= 6) {
      nbits -= 6;
      out.push_back(alphabet[(bits >> nbits) & 0x3F]);
    }
  }
  if (nbits > 0) out.push_back(alphabet[(bits << (6 - nbits)) & 0x3F]);
  return out;
}

} // namespace qc::protocol
