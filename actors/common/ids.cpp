#include "actors/common/ids.hpp"

#include <random>

namespace qc {

std::string random_id(std::size_t bytes) {
  static constexpr char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device os_random; // getrandom(2): no shared generator state
  std::string out;
  out.reserve(bytes * 4 / 3 + 1);
  unsigned bits = 0;
  unsigned long acc = 0;
  for (std::size_t i = 0; i < bytes; ++i) {
    acc = (acc << 8) | (os_random() & 0xffu);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(acc >> bits) & 0x3fu]);
    }
  }
  if (bits > 0)
    out.push_back(alphabet[(acc << (6 - bits)) & 0x3fu]);
  return out;
}

} // namespace qc
