#include "daemon/device_board.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>

#include "ingest/page_cursor.h"

namespace stayaway::daemon {
namespace {

constexpr char kByIdCursor = 'd';
// sort=attention for a reader who sees contact times: (group, last contact, id).
constexpr char kAttentionCursor = 'a';
// sort=attention for a reader the contact times are withheld from: (group, id), so that
// neither the order nor the cursor tells anything of them.
constexpr char kAttentionByIdCursor = 'b';

// The attention sort key: (group, last contact, id); a device never heard from sorts as
// the oldest contact of its group. The contact is 0 for every device when the reader may
// not see contact times.
using AttentionKey = std::tuple<int, TimeMs, std::string>;

std::string AttentionCursorKey(const AttentionKey& key, bool with_contact) {
  std::string text = std::to_string(std::get<0>(key)) + "|";
  if (with_contact) text += std::to_string(std::get<1>(key)) + "|";
  return text + std::get<2>(key);
}

// A whole decimal number filling `field` (no sign but '-', no space, no overflow).
template <typename Number>
std::optional<Number> ParseNumberField(std::string_view field) {
  Number value{};
  const char* const end = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(field.data(), end, value);
  if (field.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// "group|contact|id" (with_contact) or "group|id"; the id is the rest, '|' and all.
StatusOr<AttentionKey> ParseAttentionCursorKey(std::string_view text, bool with_contact) {
  const auto bad = [] {
    return InvalidArgument("cursor is not a next_cursor this listing gave out");
  };
  const std::size_t bar = text.find('|');
  if (bar == std::string_view::npos) return bad();
  const std::optional<int> group = ParseNumberField<int>(text.substr(0, bar));
  if (!group) return bad();
  std::string_view rest = text.substr(bar + 1);
  int64_t contact = 0;
  if (with_contact) {
    const std::size_t second = rest.find('|');
    if (second == std::string_view::npos) return bad();
    const std::optional<int64_t> parsed = ParseNumberField<int64_t>(rest.substr(0, second));
    if (!parsed) return bad();
    contact = *parsed;
    rest.remove_prefix(second + 1);
  }
  return AttentionKey{*group, static_cast<TimeMs>(contact), std::string(rest)};
}

}  // namespace

void DeviceBoard::RecordOrder(const v1::Order& order) {
  std::lock_guard<std::mutex> lock(mu_);
  // The order's previous version may have named other devices: they leave it.
  if (auto it = devices_of_order_.find(order.id()); it != devices_of_order_.end()) {
    for (const std::string& device : it->second) {
      Entry* entry = FindEntry(device);
      if (entry == nullptr) continue;
      entry->orders.erase(order.id());
      DropIfEmpty(device);
    }
    devices_of_order_.erase(it);
  }
  std::set<std::string>& named = devices_of_order_[order.id()];
  const auto add = [&](const v1::Party& party, v1::DeviceOrder::Role role) {
    for (const std::string& device : party.devices()) {
      v1::DeviceOrder membership;
      membership.set_order_id(order.id());
      membership.set_role(role);
      membership.set_person(party.id());
      membership.set_order_state(order.state());
      EntryFor(device).orders[order.id()] = std::move(membership);
      named.insert(device);
    }
  };
  add(order.supervised(), v1::DeviceOrder::supervised);
  for (const v1::Party& party : order.protected_()) add(party, v1::DeviceOrder::protected_);
}

void DeviceBoard::RecordFix(const v1::Fix& fix) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& entry = EntryFor(fix.device());
  const TimeMs time = TimestampToMs(fix.time());
  const TimeMs received = fix.has_received() ? TimestampToMs(fix.received()) : time;
  v1::DeviceStatus& state = entry.fix_state;
  if (!entry.has_fix || received > entry.last_received) {
    entry.last_received = received;
    *state.mutable_last_received() = fix.has_received() ? fix.received() : fix.time();
  }
  // As the engine: the newest fix by event time (a tie: the later one) gives the signals.
  if (!entry.has_fix || time >= entry.newest_time) {
    entry.newest_time = time;
    // Field by field, not Clear() and set: Clear frees the time's Timestamp, and every
    // fix would allocate it again. Every DeviceFix field is set or cleared here.
    v1::DeviceFix& last = *state.mutable_last_fix();
    last.set_seq(fix.seq());
    *last.mutable_time() = fix.time();
    last.set_source(fix.source());
    last.set_no_position(fix.no_position());
    last.clear_withheld();
    if (fix.no_position()) {
      last.clear_lat();
      last.clear_lon();
      last.clear_accuracy_m();
    } else {
      last.set_lat(fix.lat());
      last.set_lon(fix.lon());
      last.set_accuracy_m(fix.accuracy_m());
    }
    if (fix.has_battery_pct()) {
      state.set_battery_pct(fix.battery_pct());
    } else {
      state.clear_battery_pct();
    }
    state.clear_flags();
    for (int flag : fix.flags()) state.add_flags(static_cast<v1::Fix::Flag>(flag));
  }
  entry.has_fix = true;
}

void DeviceBoard::RecordEvent(const v1::Event& event) {
  if (!event.has_device() || event.device().empty()) return;
  if (event.transition() != v1::Event::opened && event.transition() != v1::Event::closed) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (event.transition() == v1::Event::opened) {
    EntryFor(event.device()).open_alerts[event.alert_id()] = event.kind();
    return;
  }
  Entry* entry = FindEntry(event.device());
  if (entry == nullptr) return;
  entry->open_alerts.erase(event.alert_id());
  DropIfEmpty(event.device());
}

void DeviceBoard::DropIfEmpty(const std::string& id) {
  auto it = devices_.find(id);
  if (it != devices_.end() && it->second.orders.empty() && !it->second.has_fix &&
      it->second.open_alerts.empty()) {
    index_.erase(std::string_view(it->first));
    devices_.erase(it);
  }
}

DeviceBoard::Entry& DeviceBoard::EntryFor(std::string_view id) {
  if (Entry* found = FindEntry(id)) return *found;
  const auto it = devices_.try_emplace(std::string(id)).first;
  index_.emplace(std::string_view(it->first), &it->second);
  return it->second;
}

DeviceBoard::Entry* DeviceBoard::FindEntry(std::string_view id) {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : it->second;
}

const DeviceBoard::Entry* DeviceBoard::FindEntry(std::string_view id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : it->second;
}

std::vector<v1::DeviceStatus> DeviceBoard::SaveFixState() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<v1::DeviceStatus> out;
  out.reserve(devices_.size());  // messages moved on each growth cost as much as copies
  for (const auto& [id, entry] : devices_) {
    if (!entry.has_fix) continue;
    v1::DeviceStatus& state = out.emplace_back(entry.fix_state);
    state.set_device(id);
  }
  return out;
}

void DeviceBoard::LoadFixState(const std::vector<v1::DeviceStatus>& devices) {
  std::lock_guard<std::mutex> lock(mu_);
  index_.reserve(index_.size() + devices.size());  // a million devices: no rehash on the way
  for (const v1::DeviceStatus& state : devices) {
    if (state.device().empty() || !state.has_last_fix()) continue;
    Entry& entry = EntryFor(state.device());
    entry.fix_state.Clear();
    *entry.fix_state.mutable_last_fix() = state.last_fix();
    *entry.fix_state.mutable_last_received() = state.last_received();
    if (state.has_battery_pct()) entry.fix_state.set_battery_pct(state.battery_pct());
    *entry.fix_state.mutable_flags() = state.flags();
    entry.newest_time = TimestampToMs(state.last_fix().time());
    entry.last_received = TimestampToMs(state.last_received());
    entry.has_fix = true;
  }
}

void DeviceBoard::Adopt(DeviceBoard&& built) {
  if (&built == this) return;
  std::scoped_lock lock(mu_, built.mu_);
  // Swapped: this board's old contents go with `built` and are freed by its owner,
  // outside the locks. The index's keys view the map nodes, which stay in place.
  devices_.swap(built.devices_);
  index_.swap(built.index_);
  devices_of_order_.swap(built.devices_of_order_);
}

bool DeviceBoard::Known(std::string_view device) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Entry* entry = FindEntry(device);
  return entry != nullptr && !entry->orders.empty();
}

int DeviceBoard::GroupOf(const Entry& entry) {
  bool other_alert = false;
  for (const auto& [id, kind] : entry.open_alerts) {
    if (kind == v1::Event::comms_lost) return 0;
    other_alert = true;
  }
  if (!entry.has_fix) return 1;
  return other_alert ? 2 : 3;
}

v1::DeviceStatus DeviceBoard::View(const std::string& id, const Entry& entry) const {
  v1::DeviceStatus view = entry.fix_state;
  view.set_device(id);
  for (const auto& [order_id, membership] : entry.orders) {
    if (view.person().empty()) view.set_person(membership.person());
    *view.add_orders() = membership;
  }
  for (const auto& [alert_id, kind] : entry.open_alerts) {
    if (kind == v1::Event::comms_lost) view.set_comms_lost(true);
    view.add_open_alerts(alert_id);
  }
  return view;
}

StatusOr<v1::DeviceStatus> DeviceBoard::Get(std::string_view device) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = devices_.find(device);
  if (it == devices_.end()) return NotFound("device " + std::string(device) + " is unknown");
  return View(it->first, it->second);
}

StatusOr<v1::DevicePage> DeviceBoard::List(const ingest::DevicePageQuery& query) const {
  v1::DevicePage page;
  const std::size_t limit = std::max<std::size_t>(1, query.limit);
  std::lock_guard<std::mutex> lock(mu_);
  if (query.sort == ingest::DevicePageQuery::Sort::kId) {
    auto it = devices_.begin();
    if (!query.cursor.empty()) {
      StatusOr<std::string> after = ingest::DecodeCursor(kByIdCursor, query.cursor);
      if (!after.ok()) return after.status();
      it = devices_.upper_bound(*after);
    }
    for (; it != devices_.end(); ++it) {
      if (static_cast<std::size_t>(page.devices_size()) == limit) {
        page.set_next_cursor(ingest::EncodeCursor(kByIdCursor, page.devices().rbegin()->device()));
        break;
      }
      *page.add_devices() = View(it->first, it->second);
    }
    return page;
  }
  const bool by_contact = query.sees_contact_times;
  const char cursor_kind = by_contact ? kAttentionCursor : kAttentionByIdCursor;
  std::optional<AttentionKey> after;
  if (!query.cursor.empty()) {
    StatusOr<std::string> text = ingest::DecodeCursor(cursor_kind, query.cursor);
    if (!text.ok()) return text.status();
    StatusOr<AttentionKey> key = ParseAttentionCursorKey(*text, by_contact);
    if (!key.ok()) return key.status();
    after = std::move(*key);
  }
  std::vector<std::pair<AttentionKey, const Entry*>> keyed;
  keyed.reserve(devices_.size());
  for (const auto& [id, entry] : devices_) {
    const TimeMs contact = !by_contact     ? 0
                           : entry.has_fix ? entry.last_received
                                           : std::numeric_limits<TimeMs>::min();
    AttentionKey key{GroupOf(entry), contact, id};
    if (after && !(*after < key)) continue;
    keyed.emplace_back(std::move(key), &entry);
  }
  const std::size_t take = std::min(limit, keyed.size());
  std::partial_sort(keyed.begin(), keyed.begin() + static_cast<std::ptrdiff_t>(take), keyed.end(),
                    [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < take; ++i) {
    *page.add_devices() = View(std::get<2>(keyed[i].first), *keyed[i].second);
  }
  if (keyed.size() > take) {
    page.set_next_cursor(
        ingest::EncodeCursor(cursor_kind, AttentionCursorKey(keyed[take - 1].first, by_contact)));
  }
  return page;
}

std::vector<v1::DeviceContact> DeviceBoard::ContactsOf(const v1::Order& order) const {
  std::vector<v1::DeviceContact> out;
  std::lock_guard<std::mutex> lock(mu_);
  const auto add = [&](const v1::Party& party, v1::DeviceOrder::Role role) {
    for (const std::string& device : party.devices()) {
      v1::DeviceContact& contact = out.emplace_back();
      contact.set_device(device);
      contact.set_person(party.id());
      contact.set_role(role);
      auto it = devices_.find(device);
      if (it == devices_.end()) continue;
      if (it->second.has_fix)
        *contact.mutable_last_received() = it->second.fix_state.last_received();
      for (const auto& [alert_id, kind] : it->second.open_alerts) {
        if (kind == v1::Event::comms_lost) contact.set_comms_lost(true);
      }
    }
  };
  add(order.supervised(), v1::DeviceOrder::supervised);
  for (const v1::Party& party : order.protected_()) add(party, v1::DeviceOrder::protected_);
  return out;
}

}  // namespace stayaway::daemon
