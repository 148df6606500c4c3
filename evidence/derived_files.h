// The derived files of an evidence bundle (bundle.h): computed only from the bundled,
// proven inputs and events, deterministically, so the verifier recomputes them and compares
// bytes. Nothing here reads a clock or the environment. Pure, thread-safe.
#ifndef STAYAWAY_EVIDENCE_DERIVED_FILES_H_
#define STAYAWAY_EVIDENCE_DERIVED_FILES_H_

#include <string>
#include <vector>

#include "base/time.h"
#include "proto/stayaway.pb.h"

namespace stayaway::evidence {

struct BundleContent {
  std::string subject;                   // "alert 945d..." or "order KG-7, <from> to <to>"
  std::string alert_id;
  std::vector<v1::Input> inputs;         // journal order
  std::vector<v1::EventRecord> events;   // the alert's events, log order
  std::string key_id;                    // the centre's signing key
};

// The last order input of the alert's order among the inputs (the terms in force).
const v1::Order* OrderOf(const BundleContent& content);

// A fix of the bundle with its event time.
struct TimedFix {
  const v1::Fix* fix;  // points into BundleContent::inputs
  TimeMs time;
};

// The fixes with a position of `party`'s devices, in time order (stable: ties keep the
// journal order).
std::vector<TimedFix> FixesOf(const BundleContent& content, const v1::Party& party);

// One supervised fix paired with a protected person's fix nearest in time (within 5
// minutes): the geodesic distance between them and its bounds (the distance less and
// plus both accuracy radii, the lower bound at least 0). Metres.
struct PairedDistance {
  TimeMs time;         // the supervised fix's
  std::string person;  // the protected person
  const v1::Fix* supervised;
  const v1::Fix* protected_fix;
  double distance_m, lower_m, upper_m;
};

// Every supervised fix paired with each protected person of the order in force, in time
// order. What distances.ndjson holds and the report's chart draws.
std::vector<PairedDistance> PairedDistances(const BundleContent& content);

// One JSON object per line: each supervised fix with each protected person's nearest fix
// in time (within 5 minutes), the geodesic distance and its bounds.
std::string DistancesNdjson(const BundleContent& content);
std::string TracksGeoJson(const BundleContent& content);
// report.html is report_html.h's.

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_DERIVED_FILES_H_
