// Where librdkafka's own log lines go. By default librdkafka prints them to stderr in its
// own format; a program that logs otherwise (stayawayd writes JSON lines, daemon/log.h)
// sets a sink once, before it makes any client, and every client made by
// ClientConfig::Build from then on hands its lines there instead.
//
// Levels are syslog's (3 error, 4 warning, 6 info, 7 debug). The sink is called from
// librdkafka's own threads: it must be thread-safe and quick.
#ifndef STAYAWAY_KAFKA_CLIENT_LOG_H_
#define STAYAWAY_KAFKA_CLIENT_LOG_H_

#include <functional>
#include <string_view>

namespace stayaway::kafka {

using ClientLogSink =
    std::function<void(int level, std::string_view facility, std::string_view message)>;

// Not thread-safe against clients being made: call it at start-up.
void SetClientLogSink(ClientLogSink sink);

// The sink set, or null (librdkafka's default).
const ClientLogSink* ClientLogSinkOrNull();

}  // namespace stayaway::kafka

#endif  // STAYAWAY_KAFKA_CLIENT_LOG_H_
