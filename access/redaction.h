// What a reader without Permission::kSeeProtectedPositions (an auditor) gets instead of a
// protected person's position: the PositionReport keeps who, which device, when and on
// what basis, and loses lat, lon and accuracy_m, with withheld set so nobody mistakes it
// for a position at (0, 0). Distances stay: they say how close the supervised person
// came, not where the protected person was. Thread-safe (pure functions).
#ifndef STAYAWAY_ACCESS_REDACTION_H_
#define STAYAWAY_ACCESS_REDACTION_H_

#include "proto/stayaway.pb.h"

namespace stayaway::access {

void WithholdProtectedPosition(v1::Event* event);
void WithholdProtectedPosition(v1::AlertView* alert);

}  // namespace stayaway::access

#endif  // STAYAWAY_ACCESS_REDACTION_H_
