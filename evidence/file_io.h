// Small helpers the evidence tools share: whole-file reads and writes, and a message as
// JSON with the proto field names. Pure apart from the file system; thread-compatible.
#ifndef STAYAWAY_EVIDENCE_FILE_IO_H_
#define STAYAWAY_EVIDENCE_FILE_IO_H_

#include <filesystem>
#include <optional>
#include <string>

#include "base/status.h"

namespace google::protobuf {
class Message;
}

namespace stayaway::evidence {

// The whole file, or nullopt when it cannot be opened.
std::optional<std::string> ReadFile(const std::filesystem::path& path);
// Replaces the file with `bytes`; FailedPrecondition naming it when that fails.
Status WriteFile(const std::filesystem::path& path, const std::string& bytes);
// Protobuf's JSON mapping with the proto field names, on one line.
std::string ToJson(const google::protobuf::Message& message);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_FILE_IO_H_
