// systemd's readiness protocol (sd_notify(3)) without libsystemd: one datagram
// such as "READY=1" to the unix socket named by $NOTIFY_SOCKET (a path, or an
// abstract name written with a leading '@'). Without $NOTIFY_SOCKET (not run by
// systemd with Type=notify) it does nothing.
// Thread-safe (one socket per call). Errors are returned, never thrown: a
// service manager that cannot be told is no reason to stop serving.
#pragma once

#include <string>
#include <string_view>

namespace dais::server {

// Sends `state` (newline-separated KEY=VALUE lines). Returns an empty string when
// sent or when $NOTIFY_SOCKET is unset, otherwise why it could not be sent.
std::string notify_service_manager(std::string_view state);

}  // namespace dais::server
