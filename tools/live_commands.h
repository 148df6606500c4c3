// The commands that talk to a running stayawayd over its ingest port:
//
//   stayaway feed --target HOST:PORT --fixes FIXES.ndjson [--speed X] [--batch N]
//                 [--device-keys KEYS.json]
//     Streams a recorded story live: the first fix is sent now, each later fix when its
//     offset from the first (divided by --speed) has passed, with its event time moved
//     to that moment. Ticks are skipped (the daemon keeps its own clock). Waits for every
//     acknowledgement and reports refusals on stderr. With --device-keys (a JSON object
//     of device id -> 64 hex digit key, as in DATA_DIR/device_keys.json) every fix of
//     those devices is signed as the device would (access/fix_mac.h) before it is sent.
//
//   stayaway watch --target HOST:PORT [--from SEQ] [--format text|json] [--count N]
//     Subscribes to the daemon's events from SEQ (default 1: everything) and prints each
//     one as it arrives; stops after N events when --count is given.
//
// Exit status: 0 on success, 1 when the daemon refused something, 2 for usage errors or
// an unreachable daemon. Thread-compatible.
#ifndef STAYAWAY_TOOLS_LIVE_COMMANDS_H_
#define STAYAWAY_TOOLS_LIVE_COMMANDS_H_

#include <iosfwd>
#include <span>
#include <string_view>

namespace stayaway::tools {

int RunFeedCommand(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);
int RunWatchCommand(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);

}  // namespace stayaway::tools

#endif  // STAYAWAY_TOOLS_LIVE_COMMANDS_H_
