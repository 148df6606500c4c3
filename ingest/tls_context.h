// TLS for stayawayd's ports (OpenSSL through Asio): the server context made from the
// centre's certificate and key, and optionally a CA whose certificates clients must
// present (mutual TLS, for device gateways on the ingest port).
//
// Policy: TLS 1.2 and newer only, no compression, no renegotiation; the certificate chain
// file is PEM (certificate first, then intermediates), the key PEM and unencrypted (the
// daemon starts unattended; protect it with file permissions).
//
// Thread-safety: a context is configured once here and then only read, from any thread.
#ifndef STAYAWAY_INGEST_TLS_CONTEXT_H_
#define STAYAWAY_INGEST_TLS_CONTEXT_H_

#include <memory>
#include <string>

#include "base/status.h"

namespace boost::asio::ssl {
class context;
}

namespace stayaway::ingest {

struct TlsFiles {
  std::string certificate_chain;  // PEM
  std::string private_key;        // PEM
  std::string client_ca;          // PEM; empty: clients need no certificate
};

// The server context; InvalidArgument naming the file that cannot be used and why.
StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeServerTlsContext(const TlsFiles& files);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_TLS_CONTEXT_H_
