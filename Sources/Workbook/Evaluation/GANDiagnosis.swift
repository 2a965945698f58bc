import Backprop
import Foundation

/// Reads a GAN's numbers the way an experienced practitioner would, and says what looks wrong.
public enum GANDiagnosis {
    /// Warnings about the latest epoch: D has won (it rejects every fake with confidence, so G's
    /// gradient has nothing to climb), or the samples have collapsed onto a few images. At first
    /// every generator draws much the same blur, so the collapse warning waits for 2,000 steps.
    /// `critic`: D is a Wasserstein critic (chapter 7), whose scores are not probabilities: nothing
    /// is said about D winning.
    public static func warnings(for epochs: [GANEpoch], stepsPerEpoch: Int, critic: Bool = false) -> [String] {
        guard let last = epochs.last else { return [] }
        var warnings: [String] = []
        if !critic && last.fakeScore < 0.05 && last.realScore > 0.6 {
            warnings.append(
                "D has won: in epoch \(last.epoch) it gave the fakes a mean probability of \(fixed(last.fakeScore, 3)) "
                    + "of being real (and real images \(fixed(last.realScore, 2))). G learns little from a D that is "
                    + "this sure. "
                    + "Try a weaker D (more dropout, a lower D learning rate) or a stronger G.")
        }
        if last.diversity < 0.5 && pastEarlyBlur(last.epoch, stepsPerEpoch: stepsPerEpoch) {
            warnings.append(
                "possible mode collapse: in epoch \(last.epoch) the fixed-z samples are only "
                    + "\(fixed(last.diversity, 2)) "
                    + "times as varied as real images (1 is healthy). Look at the grid: do many z give the same image?")
        }
        return warnings
    }

    /// The steps of the early blur, during which no collapse warning is given.
    public static let earlySteps = 2000

    /// Whether `epoch` epochs of `stepsPerEpoch` steps are past the early blur.
    public static func pastEarlyBlur(_ epoch: Int, stepsPerEpoch: Int) -> Bool { epoch * stepsPerEpoch >= earlySteps }
}

/// The mean Euclidean distance between the rows of `samples` (all pairs): a cheap measure of how
/// varied a set of images is.
public func meanPairwiseDistance(_ samples: Tensor) -> Double {
    let n = samples.rows, d = samples.columns
    guard n > 1 else { return 0 }
    var total = 0.0
    for i in 0..<n {
        for j in (i + 1)..<n {
            var sum: Float = 0
            let a = samples.data + i * d, b = samples.data + j * d
            for k in 0..<d { let diff = a[k] - b[k]; sum += diff * diff }
            total += Double(sum.squareRoot())
        }
    }
    return total / Double(n * (n - 1) / 2)
}

public extension MNIST {
    /// How varied the first `count` digits are (their mean pairwise distance, scaled to `range`):
    /// the yardstick a GAN's samples' variety is measured against.
    func variety(of count: Int, range: ClosedRange<Float>) -> Double {
        let sample = Tensor(shape: [0])
        fill(sample, with: 0..<Swift.min(count, self.count), range: range)
        return meanPairwiseDistance(sample)
    }
}
