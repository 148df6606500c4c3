// ProgressMeter: how far a long `stayaway` command has come (replay, simulate, feed,
// export, import, verify, loadgen), on stderr: stdout carries the command's data.
//
//   ProgressMeter meter = ProgressMeter::ForCommand(progress_flag, err, "replay", "lines");
//   meter.SetTotalBytes(file_size);
//   for (...) meter.Update(lines, bytes_read);
//   meter.Finish();
//
// Shown when stderr is a terminal or with --progress; otherwise every call does nothing.
// On a terminal one line is rewritten in place ("\r") at most 4 times a second; elsewhere
// (--progress into a file or a pipe) a plain line at most once a second. A line says what
// is done and of how much when known, the rate and the time so far:
//
//   replay: 1200000 lines, 45.2 of 120.0 MB (37%), 61234 lines/s, 19.6 s
//
// and Finish ends with "replay: done: 3100000 lines, 120.0 MB in 50.6 s (61264 lines/s)".
// The clock is injected for tests. Thread-compatible: one thread updates a meter.
#ifndef STAYAWAY_TOOLS_PROGRESS_METER_H_
#define STAYAWAY_TOOLS_PROGRESS_METER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

namespace stayaway::tools {

class ProgressMeter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  enum class Style {
    kOff,       // prints nothing
    kTerminal,  // one line rewritten with '\r', 4 a second at most
    kLines,     // plain lines, one a second at most
  };

  // `what` starts every line ("replay"), `unit` names what Update counts ("lines").
  ProgressMeter(std::ostream& out, Style style, std::string what, std::string unit,
                Clock clock = std::chrono::steady_clock::now);

  // The style for a command's stderr `err`: kTerminal when it is the process's stderr and
  // that is a terminal, else kLines when `asked` (--progress), else kOff.
  static Style StyleFor(bool asked, const std::ostream& err);
  static ProgressMeter ForCommand(bool asked, std::ostream& err, std::string what,
                                  std::string unit);

  bool on() const { return style_ != Style::kOff; }
  // How many units there are in all, and how many bytes; 0 (the default): unknown.
  void SetTotal(uint64_t total) { total_ = total; }
  void SetTotalBytes(uint64_t total_bytes) { total_bytes_ = total_bytes; }
  // `done` units and `bytes_done` bytes so far (both only grow). Prints when the last line
  // is old enough.
  void Update(uint64_t done, uint64_t bytes_done = 0);
  // The final line (once; later calls and Updates print nothing).
  void Finish();

 private:
  std::string Line(std::chrono::steady_clock::time_point now) const;
  void Print(const std::string& line, bool final);

  std::ostream& out_;
  Style style_;
  std::string what_;
  std::string unit_;
  Clock clock_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
  uint64_t total_ = 0;
  uint64_t total_bytes_ = 0;
  uint64_t done_ = 0;
  uint64_t bytes_done_ = 0;
  size_t last_width_ = 0;  // of the line on the terminal, to blank what a shorter one leaves
  bool finished_ = false;
};

}  // namespace stayaway::tools

#endif  // STAYAWAY_TOOLS_PROGRESS_METER_H_
