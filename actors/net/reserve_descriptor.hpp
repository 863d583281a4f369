#pragma once
// A file descriptor held in reserve for the moment the process runs out of them: the
// accept loop closes it to accept (and answer 503 to) one connection that would
// otherwise wait in the backlog, then takes it again once a descriptor is free.

#include <fcntl.h>
#include <unistd.h>

namespace qc {

class reserve_descriptor {
public:
  reserve_descriptor() = default;
  reserve_descriptor(const reserve_descriptor&) = delete;
  reserve_descriptor& operator=(const reserve_descriptor&) = delete;
  ~reserve_descriptor() { release(); }

  bool held() const { return fd_ >= 0; }

  /// Takes a descriptor (on /dev/null) unless one is held; false when none is free.
  bool hold() {
    if (fd_ < 0)
      fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    return fd_ >= 0;
  }

  /// Gives the descriptor back to the process, for the next accept to use.
  void release() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

private:
  int fd_ = -1;
};

} // namespace qc
