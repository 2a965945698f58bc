import Backprop
import Foundation

/// The real images a GAN trains on, whichever they are: faces from folders of photos (chapters 4
/// and 6), or MNIST digits scaled to [-1, 1] with a border of `margin` background pixels (chapter
/// 6 pads them to 32 x 32, so that three halvings take them to 4 x 4).
public struct TrainingImages {
    public let faces: ImageFolder?
    /// The training digits (after --limit), and the test digits (the digit score's yardstick).
    public let digits: MNIST?, testDigits: MNIST?
    public let margin: Int
    public let count: Int
    /// Seconds spent decoding the faces (0 when they came from the cache, or are digits).
    public let decodeSeconds: Double

    public init(faces: ImageFolder, decodeSeconds: Double) {
        (self.faces, digits, testDigits, margin, count, self.decodeSeconds) = (
            faces, nil, nil, 0, faces.count, decodeSeconds
        )
    }

    public init(digits: MNIST, test: MNIST, margin: Int) {
        (faces, self.digits, testDigits, self.margin, count, decodeSeconds) = (
            nil, digits, test, margin, digits.count, 0
        )
    }

    /// Faces from `folders`, resized and cropped to `side` (a cache keeps them decoded); `help` says
    /// what to do when there are none.
    public static func faces(
        _ folders: [URL], side: Int, limit: Int?, cacheFolder: URL?, help: String
    ) throws -> TrainingImages {
        let start = Date()
        let faces = try ImageFolder.load(
            folders: folders, side: side, limit: limit, cacheFolder: cacheFolder, help: help)
        return TrainingImages(faces: faces, decodeSeconds: Date().timeIntervalSince(start))
    }

    /// The real images at `indices`, as D sees them: [B, C·S·S] in [-1, 1].
    public func fill(_ batch: Tensor, with indices: some Collection<Int>) {
        if let faces {
            faces.fill(batch, with: indices)
        } else {
            digits!.fill(batch, with: indices, range: -1...1, padding: margin)
        }
    }

    /// 64 real images: what the samples should look like, and the yardstick of their variety
    /// (faces spread over the whole set; the first 64 test digits).
    public func realSample() -> Tensor {
        let sample = Tensor(shape: [0])
        if let testDigits {
            testDigits.fill(sample, with: 0..<min(64, testDigits.count), range: -1...1, padding: margin)
        } else {
            fill(sample, with: (0..<min(64, count)).map { $0 * count / min(64, count) })
        }
        return sample
    }

    /// A fingerprint of the data (the faces, or the training and test digits).
    public var fingerprint: String { faces?.fingerprint ?? (digits!.fingerprint + "-" + testDigits!.fingerprint) }
}
