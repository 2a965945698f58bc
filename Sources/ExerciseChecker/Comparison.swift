import Backprop
import Foundation

// How a check compares the learner's numbers with the mathematics: value by value, naming the
// first element that is off, and looking for a known mistake whose numbers match instead.

/// A variant of the expected numbers: what a known mistake would have given.
struct Mistake {
    let hint: Hint
    let numbers: [Double]
    init(_ hint: Hint, _ numbers: [Double]) { (self.hint, self.numbers) = (hint, numbers) }
}

/// Close enough: |received − expected| ≤ absolute + relative · |expected| for every value.
struct Tolerance {
    var absolute = 1e-5, relative = 1e-3
}

/// "at [1, 3]" for a flat index into an array of the given shape.
func position(_ index: Int, in shape: [Int]) -> String {
    if shape.isEmpty { return "" }
    var rest = index, parts: [Int] = []
    for size in shape.reversed() {
        parts.append(size > 0 ? rest % size : 0)
        rest = size > 0 ? rest / size : 0
    }
    return "[" + parts.reversed().map(String.init).joined(separator: ", ") + "]"
}

func shown(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "+infinity" : "-infinity" }
    return String(format: "%.6g", x)
}

/// The index of the worst element, or nil when all are within tolerance (non-finite values
/// count as worst).
func worstMismatch(_ received: [Float], _ expected: [Double], _ tolerance: Tolerance) -> Int? {
    var worst: (index: Int, excess: Double)?
    for i in 0..<expected.count {
        let r = Double(received[i]), e = expected[i]
        let excess = r.isFinite ? abs(r - e) - (tolerance.absolute + tolerance.relative * abs(e)) : .infinity
        if excess > 0 && excess > (worst?.excess ?? 0) { worst = (i, excess) }
    }
    return worst?.index
}

/// Throws a `Failure` unless `received` matches `expected`: the count first, then every value.
/// - name: what the numbers are ("dx", "the loss").
/// - how: where the expected numbers come from ("central difference", "the definition").
/// - mistakes: variants to recognise; the first that `received` matches gives the hint.
/// - nonFinite: the hint when the received numbers hold infinity or NaN and the expected do not.
func expectClose(_ name: String, _ received: [Float], _ expected: [Double], shape: [Int], how: String,
                 tolerance: Tolerance = Tolerance(), mistakes: [Mistake] = [], nonFinite: Hint? = nil,
                 context: String = "", hint fallback: Hint? = nil,
                 where place: ((Int) -> String)? = nil) throws {
    let shapeText = "[" + shape.map(String.init).joined(separator: ", ") + "]"
    guard received.count == expected.count else {
        throw Failure("\(name) has \(received.count) values; it should be \(shapeText), \(expected.count) values"
                      + (context.isEmpty ? "" : " (\(context))"))
    }
    guard let i = worstMismatch(received, expected, tolerance) else { return }
    let r = Double(received[i]), e = expected[i]
    let relative = abs(r - e) / max(abs(e), 1e-12)
    let message = "\(name)\(place?(i) ?? position(i, in: shape)): expected \(shown(e)) (\(how)), received \(shown(r))"
        + (r.isFinite ? ", relative error \(shown(relative))" : "") + (context.isEmpty ? "" : " (\(context))")
    if !received.allSatisfy(\.isFinite), let nonFinite { throw Failure(message, hint: nonFinite) }
    let recognised = mistakes.first {
        $0.numbers.count == received.count && worstMismatch(received, $0.numbers, tolerance) == nil
    }
    throw Failure(message, hint: recognised?.hint ?? fallback)
}

func expectClose(_ name: String, _ received: Float, _ expected: Double, how: String,
                 tolerance: Tolerance = Tolerance(), mistakes: [Mistake] = [], nonFinite: Hint? = nil,
                 context: String = "", hint: Hint? = nil) throws {
    try expectClose(name, [received], [expected], shape: [], how: how, tolerance: tolerance,
                    mistakes: mistakes, nonFinite: nonFinite, context: context, hint: hint)
}

/// dL/dv by central differences, in Double: (L(v + h) − L(v − h)) / 2h for each value of v.
func centralDifferences(_ values: [Double], step h: Double = 1e-6, _ loss: ([Double]) -> Double) -> [Double] {
    var v = values
    return (0..<values.count).map { i in
        let original = v[i]
        v[i] = original + h
        let plus = loss(v)
        v[i] = original - h
        let minus = loss(v)
        v[i] = original
        return (plus - minus) / (2 * h)
    }
}

/// Random numbers for the checks, the same on every run (a check's verdict must not change).
struct CheckNumbers {
    let rng: RandomGenerator
    init(seed: UInt64) { rng = RandomGenerator(seed: seed) }
    func uniform(_ count: Int, _ low: Float = -1, _ high: Float = 1) -> [Float] {
        (0..<count).map { _ in low + (high - low) * rng.uniform() }
    }
}

extension Array where Element == Float {
    var doubles: [Double] { map(Double.init) }
}

func sumOfProducts(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
