#pragma once
// The session of `quotecast-conformance`: the server the official Socket.IO and
// Engine.IO protocol test suites expect, on the broker's gateway and codecs.
//   /socket.io/: namespaces "/" and "/custom"; on connect emit `auth` with the
//                handshake auth; `message` echoed as `message-back`;
//                `message-with-ack` acked with its arguments; binary attachments kept.
//   /engine.io/: every Engine.IO message, text or binary, echoed back.

#include <memory>

#include <caf/fwd.hpp>

#include "actors/net/connection.hpp"
#include "actors/session/identity.hpp"
#include "actors/settings.hpp"

namespace qc {

caf::behavior conformance_session(caf::event_based_actor* self,
                                  std::shared_ptr<const settings> cfg,
                                  std::weak_ptr<connection> conn, upgrade_request req);

} // namespace qc
