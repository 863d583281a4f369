#pragma once
#include <cstddef>
#include <string>

namespace qc {

/// An unguessable URL-safe id (Engine.IO and Socket.IO sids, message ids): `bytes`
/// random bytes from the OS, base64url without padding.
std::string random_id(std::size_t bytes = 15);

} // namespace qc
