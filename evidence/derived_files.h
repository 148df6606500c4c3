// The derived files of an evidence bundle (bundle.h): computed only from the bundled,
// proven inputs and events, deterministically, so the verifier recomputes them and compares
// bytes. Nothing here reads a clock or the environment. Pure, thread-safe.
#ifndef STAYAWAY_EVIDENCE_DERIVED_FILES_H_
#define STAYAWAY_EVIDENCE_DERIVED_FILES_H_

#include <string>
#include <vector>

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

// One JSON object per line: each supervised fix with each protected person's nearest fix
// in time (within 5 minutes), the geodesic distance and its bounds.
std::string DistancesNdjson(const BundleContent& content);
std::string TracksGeoJson(const BundleContent& content);
std::string ReportHtml(const BundleContent& content);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_DERIVED_FILES_H_
