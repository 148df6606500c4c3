// A webhook receiver on loopback for tests of what stayawayd POSTs (event webhooks, victim
// gateways), over Boost.Beast: it answers `fail_status` to its first `failures` requests,
// then 204, and keeps each request it accepted, head and body. With a certificate and key
// it serves https (TLS 1.2+), and counts the handshakes that failed (a client that refused
// its certificate). Beast stays in webhook_receiver.cc (stayaway_test_support). One
// thread serves; every method is thread-safe.
#ifndef STAYAWAY_TESTS_WEBHOOK_RECEIVER_H_
#define STAYAWAY_TESTS_WEBHOOK_RECEIVER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace stayaway::testing_harness {

struct WebhookReceiverOptions {
  int failures = 0;                      // requests answered with fail_status first
  std::string fail_status = "500 Oops";  // "CODE REASON"
  // PEM files: both set serves https, neither plain http.
  std::string certificate_chain;
  std::string private_key;
  std::string url_host = "127.0.0.1";  // the host url() names (a name the certificate may hold)
};

class WebhookReceiver {
 public:
  struct Request {
    std::string head;  // request line and headers, each line ending in CRLF
    std::string body;
    // The value of header `name` (case-insensitive), "" when absent.
    std::string Header(const std::string& name) const;
  };

  explicit WebhookReceiver(int failures = 0, std::string fail_status = "500 Oops");
  explicit WebhookReceiver(WebhookReceiverOptions options);
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  uint16_t port() const;
  // http[s]://URL_HOST:PORT/hook
  std::string url() const;
  // Requests read (answered with a failure or accepted).
  int requests() const;
  // While refusing, every request is answered fail_status (a receiver that is down).
  void SetRefusing(bool refusing);
  // TLS handshakes that did not complete.
  int failed_handshakes() const;
  std::vector<Request> accepted() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stayaway::testing_harness

#endif  // STAYAWAY_TESTS_WEBHOOK_RECEIVER_H_
