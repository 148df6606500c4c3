// The auditor's view: what a reader without Permission::kSeeProtectedPositions (alerts and
// events) or without Permission::kSeeProtectedPlaces (orders and zones) is shown. SECURITY.md
// ("What an auditor sees") gives the reasoning; in short, nothing in it, alone or combined
// across any number of answers, may place a protected person, so it holds no position of
// anybody (the supervised person's position plus the fact of a violation within the
// order's distance already places her), no distance or distance bound, no accuracy, no
// time of anybody's fix, no zone's place (zones are drawn around her home, work, school
// or shelter), and no free text written by someone who sees positions (acknowledgement
// notes, zone names).
//
// It is an allow-list: a message keeps only the fields AuditorAllowList() names for its
// type, recursively, and a message type the list does not name keeps nothing. A field
// added to the schema later is therefore withheld from auditors until someone adds it to
// the list, and redaction_test walks the schema to keep it that way. What is withheld is
// marked, so nobody mistakes an absent field for a zero: Event.redacted,
// PositionReport.withheld and Zone.redacted are set on every such message redacted.
//
// The journal, snapshots and evidence bundles always hold everything; redaction happens
// only on the way out to a reader. Thread-safe (pure functions over the caller's message).
#ifndef STAYAWAY_ACCESS_REDACTION_H_
#define STAYAWAY_ACCESS_REDACTION_H_

#include <google/protobuf/message.h>

#include <map>
#include <set>
#include <string>

#include "access/principal.h"

namespace stayaway::access {

// Whether `reader` sees alerts and events whole (kSeeProtectedPositions); otherwise they
// go out through RedactForAuditor.
bool SeesEventsWhole(const Principal& reader);
// Whether `reader` sees orders and zones whole (kSeeProtectedPlaces); otherwise they go
// out through RedactForAuditor.
bool SeesPlacesWhole(const Principal& reader);

// Reduces `message` (an Event, EventRecord, AlertView, AlertList, Order, Zone, or any
// message built of them) to the auditor's view, in place: clears every field the
// allow-list does not keep and every unknown field, and sets the markers.
void RedactForAuditor(google::protobuf::Message* message);

// Full message name ("stayaway.v1.Event") -> the names of the fields an auditor keeps.
using AllowList = std::map<std::string, std::set<std::string>>;
const AllowList& AuditorAllowList();

}  // namespace stayaway::access

#endif  // STAYAWAY_ACCESS_REDACTION_H_
