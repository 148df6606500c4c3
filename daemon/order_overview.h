// The read model of GET /v1/orders: a page of the order catalogue in id order, each order
// joined with its open alerts and the last contact of its parties' devices, so an operator
// sees at a glance which orders need attention and whose devices have gone quiet; and
// the orders that protect one person, with what each tells her (her view, GET /v1/me/...).
//
//   StatusOr<v1::OrderPage> page = PageOfOrders(orders, query);  // under the catalogue lock
//   AddAlertsAndContacts(open_alerts, board, &*page);             // after it
//
// Pure functions over what they are given; the caller holds whatever guards the catalogue.
#ifndef STAYAWAY_DAEMON_ORDER_OVERVIEW_H_
#define STAYAWAY_DAEMON_ORDER_OVERVIEW_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "daemon/device_board.h"
#include "ingest/monitoring_service.h"
#include "proto/stayaway.pb.h"

namespace stayaway::daemon {

// Every order the centre holds, by id. Each version is immutable and shared: a snapshot
// takes the catalogue by copying pointers on the engine thread, and copies the orders on
// its writer thread (daemon/core_snapshots.cc).
using OrderCatalogue = std::map<std::string, std::shared_ptr<const v1::Order>, std::less<>>;

// The orders of the page `query` asks for: at most query.limit (at least 1), after the
// order its cursor names, with next_cursor set while more remain; no alerts or contacts
// yet. InvalidArgument for a cursor that GET /v1/orders did not give out.
StatusOr<v1::OrderPage> PageOfOrders(const OrderCatalogue& orders,
                                     const ingest::OrderPageQuery& query);

// Adds to each order of `page` its alerts among `open_alerts` (any order, one pass over
// them: open alerts are few next to orders) and the last contact of its parties' devices
// on `board`, supervised first.
void AddAlertsAndContacts(const std::vector<v1::AlertView>& open_alerts, const DeviceBoard& board,
                          v1::OrderPage* page);

// What `order` tells `person`: nothing when it does not name her among its protected
// parties or tells her nothing (none).
std::optional<v1::Order::VictimNotification> ToldTo(const v1::Order& order,
                                                    std::string_view person);

// The orders of `orders` that name `person` among their protected parties, with what
// each tells her (absent: band), leaving out those that tell her nothing (none).
std::map<std::string, v1::Order::VictimNotification> OrdersNaming(const OrderCatalogue& orders,
                                                                  std::string_view person);

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_ORDER_OVERVIEW_H_
