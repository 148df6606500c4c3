#include "journal/input_kind.h"

namespace stayaway::journal {

const char* InputKindName(const v1::Input& input) {
  switch (input.input_case()) {
    case v1::Input::kFix:
      return "fix";
    case v1::Input::kOrder:
      return "order";
    case v1::Input::kGlobalZone:
      return "global_zone";
    case v1::Input::kAck:
      return "ack";
    case v1::Input::kResolve:
      return "resolve";
    case v1::Input::kReceipt:
      return "receipt";
    case v1::Input::kTick:
      return "tick";
    case v1::Input::INPUT_NOT_SET:
      break;
  }
  return "empty";
}

}  // namespace stayaway::journal
