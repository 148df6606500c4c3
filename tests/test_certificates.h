// Certificates made at test time with the openssl command, for the suites that check TLS
// peers (https webhooks, the MQTT broker link): a CA and leaf certificates it signs.
// Thread-compatible (it runs openssl as a child process).
#ifndef STAYAWAY_TESTS_TEST_CERTIFICATES_H_
#define STAYAWAY_TESTS_TEST_CERTIFICATES_H_

#include <filesystem>

namespace stayaway::testing_harness {

// In `dir`: ca.pem and ca.key (a CA), localhost.pem and localhost.key for DNS:localhost and
// IP:127.0.0.1, other-name.pem and other-name.key for DNS:receiver.other.example, both
// signed by the CA (P-256 keys, two days). False when openssl failed.
bool MakeTestCertificates(const std::filesystem::path& dir);

}  // namespace stayaway::testing_harness

#endif  // STAYAWAY_TESTS_TEST_CERTIFICATES_H_
