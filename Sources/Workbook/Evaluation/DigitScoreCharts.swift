import Backprop
import Foundation

/// An epoch's record that may carry a digit score: chapter 3's GAN and chapter 5's VAE.
public protocol ScoredEpoch {
    var epoch: Int { get }
    var score: DigitScore? { get }
}

extension GANEpoch: ScoredEpoch {}

public extension ScoredEpoch {
    /// The score's numbers for metrics.json (none when the epoch was not scored).
    var scoreMetrics: [String: Double] {
        score.map { ["Fréchet distance": $0.frechetDistance, "rarest digit share": $0.rarestShare] } ?? [:]
    }
}

public extension DigitScore {
    /// The score in one line, as the programs print it after an epoch.
    var summary: String {
        "Fréchet distance \(fixed(frechetDistance, 2)), confidence \(fixed(meanConfidence, 2)), "
            + "digits from \(fixed(100 * rarestShare, 1))% (\(rarestDigit)) to \(fixed(100 * commonShare, 1))% "
            + "(\(commonDigit))"
    }

    /// The Fréchet distance per scored epoch, on a log scale.
    static func frechetChart<Epoch: ScoredEpoch>(_ history: [Epoch]) -> Chart {
        Chart(
            title: "Digit score: Fréchet distance to the test digits (lower is better)", xLabel: "epoch",
            yLabel: "Fréchet distance of classifier features",
            series: [
                .init(
                    "2,000 samples",
                    history.compactMap { e in e.score.map { (x: Double(e.epoch), y: $0.frechetDistance) } },
                    style: "linespoints")
            ],
            logScaleY: true)
    }

    /// Which digits the samples are, as a histogram against perfect coverage (10% each).
    /// `drawer` names the model in the title ("G", "the VAE").
    func histogram(epoch: Int, drawer: String = "G") -> Chart {
        var chart = Chart(
            title: "Which digits \(drawer) draws (2,000 samples, epoch \(epoch))", xLabel: "digit",
            yLabel: "share of the samples",
            series: [
                .init(
                    "samples", classShares.enumerated().map { (x: Double($0.offset), y: $0.element) },
                    style: "boxes fill solid 0.5"),
                .init("perfect coverage", [(x: -0.5, y: 0.1), (x: 9.5, y: 0.1)]),
            ])
        chart.settings = ["set yrange [0:*]", "set xrange [-0.7:9.7]", "set xtics 1", "set boxwidth 0.8"]
        return chart
    }
}
