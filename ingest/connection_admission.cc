#include "ingest/connection_admission.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>

namespace stayaway::ingest {

std::string ClientAddressGroup(const std::string& address) {
  boost::system::error_code ec;
  const boost::asio::ip::address ip = boost::asio::ip::make_address(address, ec);
  if (ec) return address;
  if (ip.is_v4()) return ip.to_v4().to_string();
  const boost::asio::ip::address_v6 v6 = ip.to_v6();
  if (v6.is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
  }
  boost::asio::ip::address_v6::bytes_type bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);  // keep the /64 prefix
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

ConnectionAdmission::Decision ConnectionAdmission::Admit(uint64_t id,
                                                         const std::string& peer_address) {
  const std::string address = ClientAddressGroup(peer_address);
  Decision decision;
  std::lock_guard lock(mu_);
  const auto evict_oldest_of = [&](const std::set<uint64_t>& ids) {
    const uint64_t oldest = *ids.begin();
    ForgetUnauthenticated(oldest);
    decision.evicted.push_back(oldest);
  };
  if (const auto from = unauthenticated_by_address_.find(address);
      from != unauthenticated_by_address_.end() &&
      from->second.size() >= std::max<std::size_t>(1, limits_.max_unauthenticated_per_address)) {
    evict_oldest_of(from->second);
  }
  if (unauthenticated_.size() >= std::max<std::size_t>(1, limits_.max_unauthenticated)) {
    const uint64_t oldest = unauthenticated_.begin()->first;
    ForgetUnauthenticated(oldest);
    decision.evicted.push_back(oldest);
  }
  if (unauthenticated_.size() + authenticated_.size() >= limits_.max_connections) {
    if (unauthenticated_.empty()) return decision;  // every slot is an authenticated client's
    const uint64_t oldest = unauthenticated_.begin()->first;
    ForgetUnauthenticated(oldest);
    decision.evicted.push_back(oldest);
  }
  unauthenticated_.emplace(id, address);
  unauthenticated_by_address_[address].insert(id);
  decision.admitted = true;
  return decision;
}

bool ConnectionAdmission::MarkAuthenticated(uint64_t id) {
  std::lock_guard lock(mu_);
  if (authenticated_.contains(id)) return true;
  if (!unauthenticated_.contains(id)) return false;
  ForgetUnauthenticated(id);
  authenticated_.insert(id);
  return true;
}

void ConnectionAdmission::Remove(uint64_t id) {
  std::lock_guard lock(mu_);
  if (authenticated_.erase(id) > 0) return;
  ForgetUnauthenticated(id);
}

std::optional<uint64_t> ConnectionAdmission::EvictOldestUnauthenticated() {
  std::lock_guard lock(mu_);
  if (unauthenticated_.empty()) return std::nullopt;
  const uint64_t oldest = unauthenticated_.begin()->first;
  ForgetUnauthenticated(oldest);
  return oldest;
}

std::size_t ConnectionAdmission::open() const {
  std::lock_guard lock(mu_);
  return unauthenticated_.size() + authenticated_.size();
}

std::size_t ConnectionAdmission::unauthenticated() const {
  std::lock_guard lock(mu_);
  return unauthenticated_.size();
}

void ConnectionAdmission::ForgetUnauthenticated(uint64_t id) {
  const auto it = unauthenticated_.find(id);
  if (it == unauthenticated_.end()) return;
  const auto from = unauthenticated_by_address_.find(it->second);
  if (from != unauthenticated_by_address_.end()) {
    from->second.erase(id);
    if (from->second.empty()) unauthenticated_by_address_.erase(from);
  }
  unauthenticated_.erase(it);
}

}  // namespace stayaway::ingest
