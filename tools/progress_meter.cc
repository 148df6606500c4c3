#include "tools/progress_meter.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <utility>

namespace stayaway::tools {
namespace {

using std::chrono::steady_clock;

std::chrono::milliseconds IntervalOf(ProgressMeter::Style style) {
  return style == ProgressMeter::Style::kTerminal ? std::chrono::milliseconds(250)
                                                  : std::chrono::milliseconds(1000);
}

double Seconds(steady_clock::duration elapsed) {
  return std::chrono::duration<double>(elapsed).count();
}

std::string Fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string Megabytes(uint64_t bytes) { return Fixed(static_cast<double>(bytes) / 1e6, 1); }

}  // namespace

ProgressMeter::ProgressMeter(std::ostream& out, Style style, std::string what, std::string unit,
                             Clock clock)
    : out_(out),
      style_(style),
      what_(std::move(what)),
      unit_(std::move(unit)),
      clock_(std::move(clock)),
      start_(clock_()),
      last_print_(start_) {}

ProgressMeter::Style ProgressMeter::StyleFor(bool asked, const std::ostream& err) {
  if (&err == &std::cerr && ::isatty(STDERR_FILENO) == 1) return Style::kTerminal;
  return asked ? Style::kLines : Style::kOff;
}

ProgressMeter ProgressMeter::ForCommand(bool asked, std::ostream& err, std::string what,
                                        std::string unit) {
  return ProgressMeter(err, StyleFor(asked, err), std::move(what), std::move(unit));
}

void ProgressMeter::Update(uint64_t done, uint64_t bytes_done) {
  if (style_ == Style::kOff || finished_) return;
  done_ = done;
  bytes_done_ = bytes_done;
  const steady_clock::time_point now = clock_();
  if (now - last_print_ < IntervalOf(style_)) return;
  last_print_ = now;
  Print(Line(now), false);
}

void ProgressMeter::Finish() {
  if (style_ == Style::kOff || finished_) return;
  finished_ = true;
  const double seconds = Seconds(clock_() - start_);
  std::string line = what_ + ": done: " + std::to_string(done_) + " " + unit_;
  if (bytes_done_ > 0) line += ", " + Megabytes(bytes_done_) + " MB";
  line += " in " + Fixed(seconds, 1) + " s";
  if (seconds > 0) {
    line += " (" + Fixed(static_cast<double>(done_) / seconds, 0) + " " + unit_ + "/s)";
  }
  Print(line, true);
}

std::string ProgressMeter::Line(steady_clock::time_point now) const {
  const double seconds = Seconds(now - start_);
  std::string line = what_ + ": " + std::to_string(done_);
  if (total_ > 0) {
    line += " of " + std::to_string(total_) + " " + unit_ + " (" +
            std::to_string(done_ * 100 / total_) + "%)";
  } else {
    line += " " + unit_;
  }
  if (total_bytes_ > 0) {
    line += ", " + Megabytes(bytes_done_) + " of " + Megabytes(total_bytes_) + " MB (" +
            std::to_string(bytes_done_ * 100 / total_bytes_) + "%)";
  } else if (bytes_done_ > 0) {
    line += ", " + Megabytes(bytes_done_) + " MB";
  }
  if (seconds > 0) {
    line += ", " + Fixed(static_cast<double>(done_) / seconds, 0) + " " + unit_ + "/s";
  }
  line += ", " + Fixed(seconds, 1) + " s";
  return line;
}

void ProgressMeter::Print(const std::string& line, bool final) {
  if (style_ == Style::kTerminal) {
    // Rewrite the line in place; blank what a longer earlier line left behind.
    out_ << '\r' << line;
    if (line.size() < last_width_) out_ << std::string(last_width_ - line.size(), ' ');
    last_width_ = line.size();
    if (final) out_ << '\n';
  } else {
    out_ << line << '\n';
  }
  out_.flush();
}

}  // namespace stayaway::tools
