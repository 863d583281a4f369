#pragma once
// Where one connection is in ending (RFC 6455 §7): open; closing, once our close frame
// is decided (queued behind what is still written, or at once); sent and received as
// the two close frames go out and come in; finished, once the socket is closed,
// however that came. Pure bookkeeping, tested in tests/unit/test_close_handshake.cpp;
// ws_connection acts on it.

#include <cstdint>
#include <string>
#include <string_view>

namespace qc {

class close_handshake {
public:
  /// Decides to close with `code` and `reason`. False (nothing changes) if a close was
  /// decided already or the connection is finished. The code 1005 (a peer's close
  /// without a code, echoed) makes a close frame without a payload.
  bool begin(std::uint16_t code, std::string_view reason);

  /// Our close frame is decided: no more data frames go out.
  bool closing() const { return closing_; }
  /// The payload of our close frame, once closing().
  const std::string& payload() const { return payload_; }

  void sent() { sent_ = true; }
  void received() { received_ = true; }
  bool was_sent() const { return sent_; }
  bool was_received() const { return received_; }

  /// Both close frames went their way, or ours did and the peer's input could not be
  /// parsed (then no close frame of its can be read either).
  bool exchanged(bool peer_input_failed) const { return sent_ && (received_ || peer_input_failed); }

  /// The socket closes now. False if it already did.
  bool finish();
  bool finished() const { return finished_; }

  /// Closing or finished: nothing new is written.
  bool ending() const { return closing_ || finished_; }

private:
  std::string payload_;
  bool closing_ = false;
  bool sent_ = false;
  bool received_ = false;
  bool finished_ = false;
};

} // namespace qc
