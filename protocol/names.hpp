#pragma once
// Room and symbol names (PROTOCOL.md §3): short, plain ASCII, safe in logs, keys and
// patterns, so nothing odd is ever created from client input.

#include <string_view>

namespace qc::protocol {

/// 1-128 characters of [A-Za-z0-9_.:-], e.g. "market_600519", "user:u1".
bool valid_room_name(std::string_view name);

/// 1-32 characters of [A-Za-z0-9_.-], e.g. "600519", "600519.SH", "BTC-USDT".
bool valid_symbol(std::string_view symbol);

} // namespace qc::protocol
