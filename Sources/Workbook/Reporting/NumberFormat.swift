import Foundation

// Numbers as the reports, the progress bars and the tables show them.

/// A number formatted with a fixed count of decimals: `fixed(0.02719, 4)` is "0.0272".
public func fixed(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }
public func fixed(_ value: Float, _ decimals: Int) -> String { fixed(Double(value), decimals) }

/// A number as a report shows it: with `decimals` decimals, or "undefined" when it has no value.
public func shown(_ value: Double, _ decimals: Int) -> String {
    value.isNaN ? "undefined" : value.isInfinite ? (value > 0 ? "∞" : "−∞") : fixed(value, decimals)
}

/// "1:05" for 65 seconds, "1:02:03" past an hour.
public func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "--:--" }
    let s = Int(seconds.rounded())
    return s >= 3600
        ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
}
