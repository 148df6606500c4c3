// A bundle as one file: a ZIP archive (PKWARE APPNOTE 6.3) of flat files, for
// `stayaway evidence --zip`, GET /v1/alerts/{id}/evidence with Accept: application/zip,
// and `stayaway verify BUNDLE.zip`. Any unzip tool opens it; nothing in it is trusted when
// read back, since verify checks every byte against the signed manifest anyway.
//
// Written: files in name order, deflated (zlib) when that is smaller, else stored, each
// with its CRC-32; every time field 1980-01-01 00:00, so one bundle always gives the same
// bytes. No ZIP64: a bundle over 4 GiB, or over 65,535 files, is refused.
// Read: the central directory, each entry's local header, stored or deflated data, its
// CRC-32 and sizes checked. Refused: names that are not plain file names (a '/', a '\',
// "..", an empty or dot-leading name, control characters: nothing may land outside the
// directory a bundle is unpacked into), a name twice, encrypted or otherwise unsupported
// entries, and more than `max_bytes` unpacked in all (zip bombs).
// Pure; thread-safe.
#ifndef STAYAWAY_BASE_ZIP_ARCHIVE_H_
#define STAYAWAY_BASE_ZIP_ARCHIVE_H_

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "base/status.h"

namespace stayaway {

// The files (name -> contents) as a ZIP archive. InvalidArgument for a name that is not a
// plain file name, or an archive past the limits above.
StatusOr<std::string> WriteZip(const std::map<std::string, std::string>& files);

// The files of a ZIP archive. InvalidArgument naming what is wrong.
StatusOr<std::map<std::string, std::string>> ReadZip(std::string_view archive,
                                                     std::size_t max_bytes);

// Whether `name` may be a file of an archive: see above.
bool IsPlainFileName(std::string_view name);

}  // namespace stayaway

#endif  // STAYAWAY_BASE_ZIP_ARCHIVE_H_
