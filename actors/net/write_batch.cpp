#include "actors/net/write_batch.hpp"

namespace qc {

using protocol::ws_opcode;

void write_batch::note_copied(std::size_t offset, std::size_t size) {
  // Consecutive copied pieces share one segment: they are contiguous in bytes_.
  if (!segments_.empty() && !segments_.back().external)
    segments_.back().size += size;
  else
    segments_.push_back(segment{false, offset, nullptr, size});
}

void write_batch::add_header(ws_opcode opcode, std::size_t payload_size) {
  auto offset = bytes_.size();
  protocol::append_frame_header(bytes_, opcode, payload_size);
  note_copied(offset, bytes_.size() - offset);
}

void write_batch::add_copied(std::string_view s) {
  auto offset = bytes_.size();
  bytes_.append(s);
  note_copied(offset, s.size());
}

void write_batch::add_frame(ws_opcode opcode, std::shared_ptr<const std::string> payload) {
  add_header(opcode, payload->size());
  if (payload->size() <= copy_payload_max) {
    add_copied(*payload);
    return;
  }
  segments_.push_back(segment{true, 0, payload->data(), payload->size()});
  owners_.push_back(std::move(payload));
}

void write_batch::add_copied_frame(ws_opcode opcode, std::string_view payload) {
  add_header(opcode, payload.size());
  add_copied(payload);
}

void write_batch::add_close(std::string_view payload) {
  add_copied_frame(ws_opcode::close, payload);
  has_close_ = true;
}

void write_batch::clear() {
  bytes_.clear();
  owners_.clear();
  segments_.clear();
  has_close_ = false;
}

std::size_t write_batch::total_size() const {
  std::size_t total = 0;
  for (auto& s : segments_)
    total += s.size;
  return total;
}

} // namespace qc
