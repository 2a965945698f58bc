import Backprop
import Foundation

/// Data whose every mode is known, for watching a GAN learn where everything can be seen (appendix
/// C, in progress): points on a line or in the plane, drawn from mixtures of equal Gaussians.
///
///     line     1-D: one Gaussian, N(4, 0.5²), as in the GAN paper's Figure 1
///     mixture  1-D: two equal Gaussians at −2 and 2, standard deviation 0.5
///     ring     2-D: eight Gaussians evenly spaced on a circle of radius 2, standard deviation 0.02
///              (the picture of mode collapse since the unrolled-GAN paper, Metz et al. 2016)
///     grid     2-D: twenty-five Gaussians on a 5 x 5 grid at −4, −2, 0, 2, 4, standard deviation 0.05
public enum ToyDistribution: String, CaseIterable, Sendable {
    case line, mixture, ring, grid

    /// Numbers per point: 1 on the line, 2 in the plane.
    public var dimensions: Int { self == .line || self == .mixture ? 1 : 2 }

    /// The standard deviation of every mode.
    public var spread: Float {
        switch self {
        case .line, .mixture: 0.5
        case .ring: 0.02
        case .grid: 0.05
        }
    }

    /// The modes' centres, each `dimensions` numbers.
    public var modes: [[Float]] {
        switch self {
        case .line: [[4]]
        case .mixture: [[-2], [2]]
        case .ring:
            (0..<8).map { k in
                let angle = 2 * Float.pi * Float(k) / 8; return [2 * cos(angle), 2 * sin(angle)]
            }
        case .grid: (0..<25).map { k in [Float(k / 5) * 2 - 4, Float(k % 5) * 2 - 4] }
        }
    }

    /// The density of a 1-D distribution at x: the mean of its modes' normal densities (what the
    /// data's curve in appendix C's line charts shows).
    public func density(at x: Double) -> Double {
        precondition(dimensions == 1, "density(at:) is for the distributions on the line")
        return modes.map { normalDensity(x, mean: Double($0[0]), std: Double(spread)) }.reduce(0, +)
            / Double(modes.count)
    }

    /// `count` points into `points` ([count, dimensions]): each picks a mode uniformly, then adds
    /// Gaussian noise of the mode's spread.
    public func sample(_ points: Tensor, count: Int, using rng: RandomGenerator) {
        let centres = modes, d = dimensions
        points.reshape(to: [count, d])
        points.fillNormal(using: rng, std: spread)
        for i in 0..<count {
            let centre = centres[rng.index(below: centres.count)]
            for k in 0..<d { points[i, k] += centre[k] }
        }
    }

    /// How many modes `samples` ([N, dimensions]) cover, and how many samples are good.
    /// - A sample is **good** when it lies within three standard deviations of some mode's centre
    ///   (in the plane: a circle of radius 3σ, which holds 98.9% of a mode's own points).
    /// - A mode is **covered** when at least `minimumShare` of its fair share of the samples
    ///   (N / number of modes) lie that close to it: with the default 1/4, a ring mode needs 3.1%
    ///   of the samples.
    public func coverage(of samples: Tensor, minimumShare: Double = 0.25) -> ModeCoverage {
        precondition(
            samples.shape.count == 2 && samples.columns == dimensions,
            "coverage: samples must be [N, \(dimensions)] (got \(samples.shape))")
        let centres = modes, radius = 3 * spread, n = samples.rows
        var perMode = [Int](repeating: 0, count: centres.count), good = 0
        for i in 0..<n {
            var nearest = -1, best = Float.infinity
            for (m, centre) in centres.enumerated() {
                var squared: Float = 0
                for k in 0..<dimensions { let d = samples[i, k] - centre[k]; squared += d * d }
                if squared < best { (nearest, best) = (m, squared) }
            }
            if best.squareRoot() <= radius { perMode[nearest] += 1; good += 1 }
        }
        let needed = minimumShare * Double(n) / Double(centres.count)
        let covered = perMode.filter { Double($0) >= needed && $0 > 0 }.count
        return ModeCoverage(
            modes: centres.count, covered: covered, goodShare: n == 0 ? 0 : Double(good) / Double(n), perMode: perMode)
    }
}

/// What `ToyDistribution.coverage` found.
public struct ModeCoverage: Codable, Equatable, Sendable {
    /// The distribution's number of modes.
    public var modes: Int
    /// How many of them the samples cover.
    public var covered: Int
    /// The share of the samples within three standard deviations of some mode.
    public var goodShare: Double
    /// How many good samples each mode holds.
    public var perMode: [Int]
}

/// The density of N(mean, std²) at x.
public func normalDensity(_ x: Double, mean: Double, std: Double) -> Double {
    exp(-0.5 * (x - mean) * (x - mean) / (std * std)) / (std * (2 * Double.pi).squareRoot())
}

// The settings appendix C trains each distribution with, and what its pictures show.
public extension ToyDistribution {
    var defaultSteps: Int { dimensions == 1 ? 2000 : 10_000 }
    /// On the line a slower game (1e-4) shows its stages; in the plane 1e-3 covers the modes.
    var defaultLearningRate: Float { dimensions == 1 ? 1e-4 : 1e-3 }
    /// The part of the line, or the square of the plane, that the pictures show.
    var extent: ClosedRange<Float> {
        switch self {
        case .line: -1...8
        case .mixture: -5...5
        case .ring: -3...3
        case .grid: -5.5...5.5
        }
    }
}

public extension ToyDistribution {
    /// `count` evenly spaced points over the part of the line the pictures show: [count, 1].
    func lineGrid(_ count: Int) -> Tensor {
        let xs = (0..<count).map { extent.lowerBound + (extent.upperBound - extent.lowerBound) * Float($0) / Float(count - 1) }
        return Tensor(shape: [count, 1], values: xs)
    }
}
