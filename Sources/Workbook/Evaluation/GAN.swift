import Backprop
import Foundation

/// What one GAN epoch looked like, in numbers: the losses, how sure D was, how varied G's
/// samples were.
public struct GANEpoch: Equatable, Sendable {
    public var epoch: Int
    public var discriminatorLoss: Double   // mean over the epoch's steps
    public var generatorLoss: Double
    /// Mean D(x): D's probability that a real image is real.
    public var realScore: Double
    /// Mean D(G(z)): D's probability that a fake is real (during D's step).
    public var fakeScore: Double
    /// Mean distance between the fixed-z samples, relative to that between real images (about
    /// 1 for a healthy generator, near 0 when every z gives the same image).
    public var diversity: Double
    public var seconds: Double

    public init(epoch: Int, discriminatorLoss: Double, generatorLoss: Double, realScore: Double, fakeScore: Double,
                diversity: Double, seconds: Double) {
        self.epoch = epoch
        self.discriminatorLoss = discriminatorLoss
        self.generatorLoss = generatorLoss
        self.realScore = realScore
        self.fakeScore = fakeScore
        self.diversity = diversity
        self.seconds = seconds
    }

    static let fields = ["epoch", "dLoss", "gLoss", "dReal", "dFake", "diversity", "seconds"]
    var values: [Double] { [Double(epoch), discriminatorLoss, generatorLoss, realScore, fakeScore, diversity, seconds] }

    /// The epochs as history columns for a checkpoint, and back.
    public static func history(_ epochs: [GANEpoch]) -> [String: [Double]] {
        Dictionary(uniqueKeysWithValues: fields.enumerated().map { i, f in ("epochs.\(f)", epochs.map { $0.values[i] }) })
    }

    public static func epochs(from history: [String: [Double]]) -> [GANEpoch] {
        let columns = fields.map { history["epochs.\($0)"] ?? [] }
        let count = columns.map(\.count).min() ?? 0
        return (0..<count).map { i in
            GANEpoch(epoch: Int(columns[0][i]), discriminatorLoss: columns[1][i], generatorLoss: columns[2][i],
                     realScore: columns[3][i], fakeScore: columns[4][i], diversity: columns[5][i], seconds: columns[6][i])
        }
    }
}

/// Reads a GAN's numbers the way an experienced practitioner would, and says what looks wrong.
public enum GANDiagnosis {
    /// Warnings about the latest epoch: D has won (it rejects every fake with confidence, so G's
    /// gradient has nothing to climb), or the samples have collapsed onto a few images. At first
    /// every generator draws much the same blur, so the collapse warning waits for 2,000 steps.
    public static func warnings(for epochs: [GANEpoch], stepsPerEpoch: Int) -> [String] {
        guard let last = epochs.last else { return [] }
        var warnings: [String] = []
        if last.fakeScore < 0.05 && last.realScore > 0.6 {
            warnings.append("D has won: in epoch \(last.epoch) it gave the fakes a mean probability of \(fixed(last.fakeScore, 3)) "
                            + "of being real (and real images \(fixed(last.realScore, 2))). G learns little from a D that is this sure. "
                            + "Try a weaker D (more dropout, a lower D learning rate) or a stronger G.")
        }
        if last.diversity < 0.5 && pastEarlyBlur(last.epoch, stepsPerEpoch: stepsPerEpoch) {
            warnings.append("possible mode collapse: in epoch \(last.epoch) the fixed-z samples are only \(fixed(last.diversity, 2)) "
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

public extension Image {
    /// Rows `top..<top + height` of the image.
    func cropped(top: Int, height: Int) -> Image {
        let rowBytes = width * channels
        let bottom = min(top + height, self.height)
        return Image(width: width, height: bottom - top, channels: channels,
                     pixels: Array(pixels[(top * rowBytes)..<(bottom * rowBytes)]))
    }

    /// Images of the same width and channels, one above the other.
    static func stacked(_ images: [Image]) -> Image {
        precondition(!images.isEmpty && images.allSatisfy { $0.width == images[0].width && $0.channels == images[0].channels },
                     "stacked images need the same width and channels")
        return Image(width: images[0].width, height: images.reduce(0) { $0 + $1.height }, channels: images[0].channels,
                     pixels: images.flatMap(\.pixels))
    }

    /// An RGB image from one row of a `[batch, 3 * height * width]` tensor in channel-first order
    /// (all red values, then green, then blue, as PyTorch lays out images), mapping `range` onto 0...255.
    init(planarRGBRow row: Int, of tensor: Tensor, width: Int, height: Int, range: ClosedRange<Float> = -1...1) {
        let plane = width * height
        precondition(tensor.columns == 3 * plane, "a row of \(tensor.columns) values is not a 3x\(height)x\(width) image")
        let source = tensor.data + row * tensor.columns
        let scale = 255 / (range.upperBound - range.lowerBound)
        var pixels = [UInt8](repeating: 0, count: 3 * plane)
        for p in 0..<plane {
            for c in 0..<3 {
                let v = ((source[c * plane + p] - range.lowerBound) * scale).rounded()
                pixels[p * 3 + c] = v.isNaN ? 0 : UInt8(min(max(v, 0), 255))
            }
        }
        self.init(width: width, height: height, channels: 3, pixels: pixels)
    }
}

/// A strip showing training progress: the first row of each chosen epoch's sample grid, one under
/// another (grids with `padding` pixels around tiles `tileHeight` high). Missing files are skipped.
public func progressStrip(gridFiles: [URL], tileHeight: Int, padding: Int = 2) -> Image? {
    let rows = gridFiles.compactMap { try? PNG.read($0) }.map { $0.cropped(top: 0, height: padding + tileHeight) }
    guard let first = rows.first, rows.allSatisfy({ $0.width == first.width }) else { return nil }
    let bottom = Image(width: first.width, height: padding, channels: first.channels,
                       pixels: [UInt8](repeating: 0, count: first.width * padding * first.channels))
    return Image.stacked(rows + [bottom])
}

/// Which epochs a progress strip shows: the first few, then every so often, always the last;
/// at most `limit` of them.
public func progressEpochs(upTo last: Int, limit: Int = 12) -> [Int] {
    let candidates = (1...max(last, 1)).filter { [1, 2, 3, 5].contains($0) || $0 % 5 == 0 || $0 == last }
    guard candidates.count > limit else { return candidates }
    return (0..<limit).map { candidates[$0 * (candidates.count - 1) / (limit - 1)] }
}

/// The mean of sigmoid(logit) over a batch: D's average probability that these images are real.
public func meanProbability(_ logits: Tensor) -> Double {
    (0..<logits.count).reduce(0.0) { $0 + Double(sigmoid(logits[$1])) } / Double(logits.count)
}
