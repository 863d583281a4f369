#pragma once
// The bytes of one socket write, as segments: frame headers, control frames and small
// payloads copied into one buffer, larger payloads referenced (and kept alive) in place.
// Pure C++, no Asio: ws_connection turns the segments into Asio buffers for the write.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/websocket_frames.hpp"

namespace qc {

class write_batch {
public:
  struct segment {
    bool external;
    std::size_t offset; // into bytes() when !external
    const char* data;   // when external
    std::size_t size;
  };

  /// Payloads up to this size are copied next to their headers rather than referenced:
  /// Asio hands at most 64 buffers to one writev, so a header/payload pair per frame
  /// would cap a syscall at 32 frames, and copying a small frame costs far less than
  /// the syscall it saves. Larger payloads are referenced, never copied.
  static constexpr std::size_t copy_payload_max = 1024;

  /// One whole frame: its header, then its payload (copied or referenced by size).
  void add_frame(protocol::ws_opcode opcode, std::shared_ptr<const std::string> payload);
  /// One whole frame whose payload is always copied (control frames).
  void add_copied_frame(protocol::ws_opcode opcode, std::string_view payload);
  /// The close frame, last: the batch that carries it ends our sending.
  void add_close(std::string_view payload);

  /// Drops everything (and the payloads it referenced), keeping the capacity.
  void clear();

  bool empty() const { return segments_.empty(); }
  bool has_close() const { return has_close_; }
  const std::vector<segment>& segments() const { return segments_; }
  /// Where a segment's bytes are; valid until the next change to the batch.
  const char* data(const segment& s) const { return s.external ? s.data : bytes_.data() + s.offset; }
  std::size_t total_size() const;

private:
  void add_header(protocol::ws_opcode opcode, std::size_t payload_size);
  void add_copied(std::string_view s);
  void note_copied(std::size_t offset, std::size_t size);

  std::string bytes_;
  std::vector<std::shared_ptr<const std::string>> owners_;
  std::vector<segment> segments_;
  bool has_close_ = false;
};

} // namespace qc
