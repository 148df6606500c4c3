// Fuzzes the fast event writer (ingest/event_json_writer.h) against its reference,
// Protobuf's JSON printer with EventToJson's options: any event the bytes parse to must
// print byte for byte the same. A difference is a finding.
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/json_util.h>

#include <cstdint>
#include <string>

#include "ingest/event_json_writer.h"
#include "proto/stayaway.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The printer logs each string with invalid UTF-8 it meets; that is not a finding.
  static const bool silenced = [] {
    google::protobuf::SetLogHandler(
        [](google::protobuf::LogLevel, const char*, int, const std::string&) {});
    return true;
  }();
  (void)silenced;
  stayaway::v1::Event event;
  if (!event.ParseFromArray(data, static_cast<int>(size))) return 0;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string reference;
  if (!google::protobuf::util::MessageToJsonString(event, &reference, options).ok()) {
    reference = "{\"encoding_error\":true}";
  }
  if (stayaway::ingest::WriteEventJson(event) != reference) __builtin_trap();
  return 0;
}
