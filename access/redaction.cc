#include "access/redaction.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/unknown_field_set.h>

#include <string_view>
#include <vector>

namespace stayaway::access {

namespace pb = google::protobuf;

namespace {

// The reasons for each line, and for what is missing from it, are in SECURITY.md ("What
// an auditor sees"). Adding a field here shows it to auditors: say there why it cannot
// place a protected person, alone or combined with everything else they see.
const AllowList& BuildAllowList() {
  static const AllowList* const list = new AllowList{
      // Alerts and events: what happened, when, to whom, how sure, who handled it.
      // Withheld: distance_m, distance_lower_m, distance_upper_m, fixes, ack_note.
      {"stayaway.v1.Event",
       {"alert_id",    "order_id",    "order_version",  "kind",     "transition",
        "certainty",   "time",        "detected_at",    "late",     "limit_m",
        "supervised",  "protected",   "zone_id",        "device",   "person",
        "rule",        "ack_by",      "ack_credential", "redacted", "downgrade_reason",
        "disposition", "received_by", "received_seq",   "shown_at"}},
      // Who and which device. Withheld: lat, lon, accuracy_m, time (of the fix), basis.
      {"stayaway.v1.PositionReport", {"person", "device", "withheld"}},
      {"stayaway.v1.EventRecord", {"seq", "event"}},
      {"stayaway.v1.AlertView",
       {"alert_id", "order_id", "kind", "open", "last_event", "opened_at", "closed_at", "acks",
        "ack_overdue", "first_seq", "last_seq", "resolution", "receipts"}},
      // Withheld: note.
      {"stayaway.v1.AlertAck", {"alert_id", "by", "time", "credential"}},
      // Withheld: note (the resolved event's ack_note is withheld the same way).
      {"stayaway.v1.AlertResolve", {"alert_id", "by", "disposition", "time", "credential"}},
      // That and when her app showed her the alert: no place.
      {"stayaway.v1.AlertReceipt",
       {"alert_id", "person", "event_seq", "time", "shown_at", "credential"}},
      {"stayaway.v1.AlertList", {"alerts", "next_cursor"}},
      {"stayaway.v1.AlertDetail", {"alert", "timeline", "missing_events"}},
      // Orders: the terms, not the places. Withheld: time_zone, as a schedule's (below).
      {"stayaway.v1.Order",
       {"id", "case_reference", "issuing_authority", "version", "state", "valid_from",
        "valid_until", "supervised", "protected", "violation_distance_m", "warning_distance_m",
        "zones"}},
      {"stayaway.v1.Party", {"id", "devices", "relation"}},
      // Withheld: name, geometry, circle.
      {"stayaway.v1.Zone", {"id", "kind", "buffer_m", "schedule", "redacted"}},
      // Withheld: time_zone (an IANA name is a region, sometimes a county).
      {"stayaway.v1.WeeklySchedule", {"windows"}},
      {"stayaway.v1.WeeklySchedule.Window", {"days", "start", "end"}},
      {"stayaway.v1.OrderList", {"orders"}},
      {"stayaway.v1.ZoneList", {"zones"}},
      // The devices board and the order list's last contacts (GET /v1/devices, GET
      // /v1/orders): which device, whose, in which orders, its flags and whether its
      // communications are lost. Withheld: the last fix's position, accuracy, seq and time,
      // the last received time and the battery (the times of her phone's fixes trace when
      // she came and went; SECURITY.md), no_position.
      {"stayaway.v1.DevicePage", {"devices", "next_cursor"}},
      {"stayaway.v1.DeviceStatus",
       {"device", "person", "orders", "last_fix", "flags", "comms_lost", "open_alerts",
        "withheld"}},
      {"stayaway.v1.DeviceFix", {"source", "withheld"}},
      {"stayaway.v1.DeviceOrder", {"order_id", "role", "person", "order_state"}},
      {"stayaway.v1.OrderPage", {"orders", "next_cursor"}},
      {"stayaway.v1.OrderOverview", {"order", "open_alerts", "contacts"}},
      {"stayaway.v1.OrderAlertSummary", {"alert_id", "kind", "certainty", "opened_at"}},
      {"stayaway.v1.DeviceContact", {"device", "person", "role", "comms_lost", "withheld"}},
      {"google.protobuf.Timestamp", {"seconds", "nanos"}},
  };
  return *list;
}

// The field set to true on a message of this type that was redacted.
std::string_view MarkerOf(const pb::Descriptor& type) {
  if (&type == v1::Event::descriptor()) return "redacted";
  if (&type == v1::PositionReport::descriptor()) return "withheld";
  if (&type == v1::Zone::descriptor()) return "redacted";
  if (&type == v1::DeviceStatus::descriptor()) return "withheld";
  if (&type == v1::DeviceFix::descriptor()) return "withheld";
  if (&type == v1::DeviceContact::descriptor()) return "withheld";
  return {};
}

void Redact(const AllowList& list, pb::Message* message) {
  const pb::Descriptor& type = *message->GetDescriptor();
  const pb::Reflection& reflection = *message->GetReflection();
  const auto allowed = list.find(type.full_name());
  std::vector<const pb::FieldDescriptor*> fields;
  reflection.ListFields(*message, &fields);
  for (const pb::FieldDescriptor* field : fields) {
    if (allowed == list.end() || !allowed->second.contains(field->name())) {
      reflection.ClearField(message, field);
      continue;
    }
    if (field->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection.FieldSize(*message, field); ++i) {
        Redact(list, reflection.MutableRepeatedMessage(message, field, i));
      }
    } else {
      Redact(list, reflection.MutableMessage(message, field));
    }
  }
  // Fields a newer schema knows and this one does not: unknown, so never shown.
  reflection.MutableUnknownFields(message)->Clear();
  if (const std::string_view marker = MarkerOf(type); !marker.empty()) {
    reflection.SetBool(message, type.FindFieldByName(std::string(marker)), true);
  }
}

}  // namespace

bool SeesEventsWhole(const Principal& reader) {
  return reader.Has(Permission::kSeeProtectedPositions);
}

bool SeesPlacesWhole(const Principal& reader) {
  return reader.Has(Permission::kSeeProtectedPlaces);
}

void RedactForAuditor(pb::Message* message) { Redact(BuildAllowList(), message); }

const AllowList& AuditorAllowList() { return BuildAllowList(); }

}  // namespace stayaway::access
