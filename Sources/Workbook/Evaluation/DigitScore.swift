import Backprop
import Foundation
import Models

/// What one epoch of the digit classifier's training looked like.
public struct ClassifierEpoch: Codable, Equatable, Sendable {
    public var epoch: Int
    public var loss: Double
    public var seconds: Double
}

/// The digit classifier (Models/DigitClassifier.swift) trained on MNIST, cached, and judged.
public extension DigitClassifier {
    /// The share of `set`'s images classified as their label.
    func accuracy(on set: MNIST) -> Double {
        let images = Tensor(shape: [0])
        set.fill(images, with: 0..<set.count)
        let (probabilities, _) = classify(images)
        let correct = (0..<set.count).filter { row in
            (0..<10).max { probabilities[row, $0] < probabilities[row, $1] } == Int(set.labels[row])
        }.count
        return Double(correct) / Double(set.count)
    }

    /// The settings a cached classifier must have been trained with: the network, the recipe and
    /// the very images (their SHA-256).
    static func configuration(for train: MNIST) -> [String: String] {
        let fingerprint = sha256Hex(Data(train.pixels)) + "-" + sha256Hex(Data(train.labels))
        return ["network": sizes.map(String.init).joined(separator: "-") + " dropout 0.2", "epochs": "\(epochs)",
                "recipe": "Adam lr 1e-3 times 0.8 each epoch, batch 128, seed 1", "training images": fingerprint]
    }

    /// Trains on `train` with Adam and softmax cross-entropy through the workbook's one training
    /// loop (its progress bars, the stop on a loss that is not a number, Ctrl-C), shuffled by a
    /// generator seeded `seed + 1`. The learning rate shrinks by a fifth each epoch: big steps first,
    /// fine ones at the end. With a `checkpointFile`, every epoch is saved there (with
    /// `configuration`, what a cached classifier must match), and a checkpoint of fewer epochs
    /// (Ctrl-C) is continued bit for bit; `command` is the program's, which continues it (run
    /// again, it finds the checkpoint).
    func train(on train: MNIST, checkpointFile: URL?, configuration: [String: String], command: String,
               seed: UInt64 = 1) throws {
        let step = ClassifierStep(network: network, learningRate: 1e-3)
        let start = Date()
        let loop = TrainingLoop<TrainingLoss, ClassifierEpoch>(
            checkpointFile: checkpointFile, checkpointIsCache: true, command: command, continueWith: command,
            subject: "the digit classifier",
            elapsed: { Date().timeIntervalSince(start) }, rng: RandomGenerator(seed: seed &+ 1),
            configuration: configuration, models: [("classifier", network)],
            optimizers: [("classifier.adam", step.optimizer)], generators: [("dropout", dropoutRandomness)],
            examples: train.count, batchSize: 128, epochs: Self.epochs, curvePointsPerEpoch: 1)
        if let file = checkpointFile, let saved = try? Checkpoint(contentsOf: file), saved.epoch < Self.epochs,
           saved.configuration == configuration {
            try loop.resume()
        }
        let batch = Tensor(shape: [0])
        for epoch in loop.epochsToTrain {
            step.optimizer.learningRate = 1e-3 * pow(0.8, Float(epoch - 1))
            for stepNumber in loop.beginEpoch(epoch) {
                let indices = loop.batch(stepNumber)
                train.fill(batch, with: indices)                                   // x: [B, 784] in [0, 1]
                let loss = step(images: batch, labels: indices.map { Int(train.labels[$0]) })
                try loop.endStep(stepNumber, TrainingLoss(Double(loss)))
            }
            try loop.endEpoch(ClassifierEpoch(epoch: epoch, loss: loop.epochMeans.loss, seconds: loop.epochSeconds))
        }
    }

    /// The classifier for `train`: read from `cacheFolder` if it was trained on exactly these
    /// images (their SHA-256 is in the file), else trained now (half a minute) and saved there.
    static func trained(on train: MNIST, cacheFolder: URL?, command: String = CommandLine.arguments.joined(separator: " "))
        throws -> (classifier: DigitClassifier, file: URL?, fresh: Bool)
    {
        let classifier = DigitClassifier(), configuration = configuration(for: train)   // hashes the images once
        let file = cacheFolder?.appendingPathComponent("digit-classifier.bin")
        if let file, let saved = try? Checkpoint(contentsOf: file), saved.configuration == configuration,
           saved.epoch >= epochs, (try? saved.restore(classifier.network, as: "classifier")) != nil {
            return (classifier, file, false)
        }
        var saveTo = file
        if let folder = cacheFolder {
            do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
                print("warning: the digit classifier cannot be saved in \(folder.path) (\(error)); it is trained again next time")
                saveTo = nil
            }
        }
        try classifier.train(on: train, checkpointFile: saveTo, configuration: configuration, command: command)
        let saved = saveTo.flatMap { try? Checkpoint(contentsOf: $0) }.map { $0.epoch >= epochs } ?? false
        return (classifier, saved ? saveTo : nil, true)
    }
}

/// How a set of generated digits looks to the classifier.
public struct DigitScore: Codable, Equatable, Sendable {
    /// The share of the samples classified as each digit (sums to 1).
    public var classShares: [Double]
    /// The classifier's mean probability for the class it picked: high for clear digits.
    public var meanConfidence: Double
    /// The Fréchet distance between the samples' features and the test digits' (0: the same
    /// Gaussian; grows with any difference in mean or spread).
    public var frechetDistance: Double
    /// A conditional generator's (chapter 7): for each digit 0...9, the share of the samples asked
    /// for it that the classifier reads as it. Nil when the samples were not asked for digits.
    public var askedAccuracy: [Double]? = nil

    /// The share of the rarest and of the most common digit (0.1 and 0.1 for perfect coverage).
    public var rarestShare: Double { classShares.min() ?? 0 }
    public var commonShare: Double { classShares.max() ?? 0 }
    public var rarestDigit: Int { classShares.firstIndex(of: rarestShare) ?? 0 }
    public var commonDigit: Int { classShares.firstIndex(of: commonShare) ?? 0 }

    /// A warning when some digits are (nearly) never drawn: mode collapse seen by the classifier.
    public func coverageWarning(epoch: Int) -> String? {
        guard rarestShare < 0.02 else { return nil }
        let missing = classShares.enumerated().filter { $0.element < 0.02 }.map { String($0.offset) }
        return "possible mode collapse: in epoch \(epoch) the classifier sees the digit(s) "
            + "\(missing.joined(separator: ", ")) in under 2% of the samples (10% each is perfect coverage), "
            + "and \(commonDigit) in \(Int((commonShare * 100).rounded()))%."
    }
}

/// Scores generated digits against the 10,000 MNIST test digits.
public final class DigitScorer {
    public let classifier: DigitClassifier
    /// The test digits' feature statistics: the reference for the Fréchet distance.
    public let reference: FeatureStatistics

    /// The scorer a chapter uses: the classifier trained on all of `train` (or read from the cache
    /// in `cacheFolder`), its accuracy on `test` said in one line, and `test` as the reference.
    public static func prepared(train: MNIST, test: MNIST, cacheFolder: URL?) throws -> DigitScorer {
        let (classifier, file, fresh) = try DigitClassifier.trained(on: train, cacheFolder: cacheFolder)
        print(
            "Digit classifier\(fresh ? " trained" : ""): \(fixed(100 * classifier.accuracy(on: test), 2))% right on "
                + "the test digits"
                + (file.map { " (\(fresh ? "saved to" : "from") \($0.path))" } ?? ""))
        return DigitScorer(classifier: classifier, reference: test)
    }

    public init(classifier: DigitClassifier, reference test: MNIST) {
        self.classifier = classifier
        let images = Tensor(shape: [0])
        test.fill(images, with: 0..<test.count)
        reference = FeatureStatistics(classifier.classify(images).features)
    }

    /// Scores images [N, 784] whose pixels lie in `range` (-1...1 for a tanh generator). `asked`: the
    /// digit each image was asked to be (N of them), for a conditional generator's accuracy per digit.
    public func score(_ images: Tensor, range: ClosedRange<Float> = 0...1, asked: [Int]? = nil) -> DigitScore {
        let n = images.rows
        let scaled = Tensor(shape: images.shape)
        let width = range.upperBound - range.lowerBound
        for i in 0..<images.count { scaled.data[i] = min(max((images.data[i] - range.lowerBound) / width, 0), 1) }
        let (probabilities, features) = classifier.classify(scaled)
        precondition(asked.map { $0.count == n } ?? true, "one asked-for digit per image")
        var counts = [Double](repeating: 0, count: 10), confidence = 0.0
        var askedCounts = [Double](repeating: 0, count: 10), askedRight = [Double](repeating: 0, count: 10)
        for row in 0..<n {
            let best = (0..<10).max { probabilities[row, $0] < probabilities[row, $1] }!
            counts[best] += 1
            confidence += Double(probabilities[row, best])
            if let digit = asked?[row] {
                askedCounts[digit] += 1
                if best == digit { askedRight[digit] += 1 }
            }
        }
        return DigitScore(classShares: counts.map { $0 / Double(n) }, meanConfidence: confidence / Double(n),
                          frechetDistance: FeatureStatistics(features).frechetDistance(to: reference),
                          askedAccuracy: asked == nil ? nil : zip(askedRight, askedCounts).map { $1 > 0 ? $0 / $1 : .nan })
    }
}
