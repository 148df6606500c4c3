// HttpApi's handlers for the devices board (http_api.h): GET /v1/devices (paged, by id or
// by attention) and GET /v1/devices/{id}, read on the io thread from the board
// (daemon/device_board.h). A reader without kSeeProtectedPositions gets the auditor's view
// (access/redaction.h): no position, accuracy or time of anybody's fix, no last contact time
// or battery, for the protected and the supervised person alike, as in events.
#include <string>
#include <utility>

#include "access/redaction.h"
#include "ingest/http_api.h"
#include "ingest/http_context.h"
#include "ingest/http_text.h"
#include "ingest/page_limit.h"

namespace stayaway::ingest {

namespace http = boost::beast::http;

void HttpApi::ListDevices(const std::shared_ptr<Context>& ctx) {
  DevicePageQuery query;
  for (const auto& [key, value] : ctx->query) {
    if (key == "sort") {
      if (value == "id") {
        query.sort = DevicePageQuery::Sort::kId;
      } else if (value == "attention") {
        query.sort = DevicePageQuery::Sort::kAttention;
      } else {
        return ctx->Refuse(InvalidArgument("sort \"" + value + "\" is not one of id, attention"));
      }
    } else if (key == "cursor") {
      query.cursor = value;
    } else if (key != "limit") {
      return ctx->Refuse(
          InvalidArgument("unknown parameter \"" + key + "\"; known: limit, cursor, sort"));
    }
  }
  StatusOr<std::size_t> limit = PageLimitOf(ctx->query);
  if (!limit.ok()) return ctx->Refuse(limit.status());
  query.limit = *limit;
  // The order of a page and its cursor must not tell a redacted reader the contact times.
  const bool whole = access::SeesEventsWhole(*ctx->principal);
  query.sees_contact_times = whole;
  StatusOr<v1::DevicePage> page = service_->ListDevices(query);
  if (!page.ok()) return ctx->Refuse(page.status());
  ctx->Reply(http::status::ok, JsonFor(whole, &*page) + "\n");
}

void HttpApi::GetDevice(const std::shared_ptr<Context>& ctx, std::string_view id) {
  StatusOr<v1::DeviceStatus> device = service_->GetDevice(id);
  if (!device.ok()) {
    ctx->Refuse(device.status());
    return;
  }
  ctx->Reply(http::status::ok, JsonFor(access::SeesEventsWhole(*ctx->principal), &*device) + "\n");
}

}  // namespace stayaway::ingest
