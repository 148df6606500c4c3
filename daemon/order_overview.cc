#include "daemon/order_overview.h"

#include <algorithm>
#include <cstddef>
#include <utility>

#include "ingest/page_cursor.h"

namespace stayaway::daemon {
namespace {

// The listing's letter in its cursors (ingest/page_cursor.h); the key is the last order id.
constexpr char kOrderCursor = 'o';

}  // namespace

StatusOr<v1::OrderPage> PageOfOrders(const OrderCatalogue& orders,
                                     const ingest::OrderPageQuery& query) {
  auto it = orders.begin();
  if (!query.cursor.empty()) {
    StatusOr<std::string> after = ingest::DecodeCursor(kOrderCursor, query.cursor);
    if (!after.ok()) return after.status();
    it = orders.upper_bound(*after);
  }
  const std::size_t limit = std::max<std::size_t>(1, query.limit);
  v1::OrderPage page;
  for (; it != orders.end(); ++it) {
    if (static_cast<std::size_t>(page.orders_size()) == limit) {
      page.set_next_cursor(
          ingest::EncodeCursor(kOrderCursor, page.orders().rbegin()->order().id()));
      break;
    }
    *page.add_orders()->mutable_order() = *it->second;
  }
  return page;
}

void AddAlertsAndContacts(const std::vector<v1::AlertView>& open_alerts, const DeviceBoard& board,
                          v1::OrderPage* page) {
  std::map<std::string, std::vector<const v1::AlertView*>, std::less<>> open_by_order;
  for (const v1::AlertView& view : open_alerts) open_by_order[view.order_id()].push_back(&view);
  for (v1::OrderOverview& overview : *page->mutable_orders()) {
    if (auto found = open_by_order.find(overview.order().id()); found != open_by_order.end()) {
      for (const v1::AlertView* view : found->second) {
        v1::OrderAlertSummary& summary = *overview.add_open_alerts();
        summary.set_alert_id(view->alert_id());
        summary.set_kind(view->kind());
        if (view->last_event().has_certainty())
          summary.set_certainty(view->last_event().certainty());
        *summary.mutable_opened_at() = view->opened_at();
      }
    }
    for (v1::DeviceContact& contact : board.ContactsOf(overview.order())) {
      *overview.add_contacts() = std::move(contact);
    }
  }
}

std::optional<v1::Order::VictimNotification> ToldTo(const v1::Order& order,
                                                    std::string_view person) {
  const v1::Order::VictimNotification told = order.victim_notification();
  if (told == v1::Order::none) return std::nullopt;
  for (const v1::Party& party : order.protected_()) {
    if (party.id() == person) return told;
  }
  return std::nullopt;
}

std::map<std::string, v1::Order::VictimNotification> OrdersNaming(const OrderCatalogue& orders,
                                                                  std::string_view person) {
  std::map<std::string, v1::Order::VictimNotification> out;
  for (const auto& [id, order] : orders) {
    if (const auto told = ToldTo(*order, person)) out.emplace(id, *told);
  }
  return out;
}

}  // namespace stayaway::daemon
