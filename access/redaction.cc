#include "access/redaction.h"

namespace stayaway::access {

void WithholdProtectedPosition(v1::Event* event) {
  if (!event->has_protected_()) return;
  v1::PositionReport* report = event->mutable_protected_();
  report->clear_lat();
  report->clear_lon();
  report->clear_accuracy_m();
  report->set_withheld(true);
}

void WithholdProtectedPosition(v1::AlertView* alert) {
  if (alert->has_last_event()) WithholdProtectedPosition(alert->mutable_last_event());
}

}  // namespace stayaway::access
