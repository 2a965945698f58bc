import Backprop
import Foundation

public extension Notebook {
    /// The outputs every GAN chapter makes after an epoch: its charts (`loss.png`, `scores.png`,
    /// `variety.png`), the warnings about the latest epoch (if any), the epoch table, and, while the
    /// run goes, the latest epoch's grid in place of `samples.png`, which is drawn when the run ends.
    /// `samples`: the final pictures (`SamplePictures.final`), drawn only when the run has finished.
    /// `critic`: D is a Wasserstein critic (chapter 7): raw scores, and the distance they estimate.
    func gan(_ training: GANTraining, subject: String, status: RunStatus, critic: Bool = false,
             samples: () throws -> Void) throws {
        _ = try training.drawCharts(subject: subject, critic: critic, into: run.outputFolder)
        let history = training.history
        if !training.latestWarnings.isEmpty { bullets("warnings", "Warnings", training.latestWarnings) }
        table(
            "epochs", "Training, epoch by epoch",
            ["epoch", critic ? "critic loss" : "D loss", "G loss", "D(x)", "D(G(z))"] + (critic ? ["W estimate"] : [])
                + ["variety", "seconds"],
            history.map {
                [
                    "\($0.epoch)", fixed($0.discriminatorLoss, 3), fixed($0.generatorLoss, 3), fixed($0.realScore, 3),
                    fixed($0.fakeScore, 3),
                ] + (critic ? [fixed($0.realScore - $0.fakeScore, 3)] : []) + [shown($0.diversity, 2), fixed($0.seconds, 1)]
            })
        if history.contains(where: { $0.diversity.isNaN }) {
            add(
                "variety undefined", "Variety",
                "The variety is undefined in this run: the real images it is measured against are all "
                    + "alike (a single image, or copies of one), so their spread is 0 and there is nothing to compare "
                    + "the samples' spread with."
            )
        }
        epochPictures(history.map(\.epoch))
        guard let last = history.last else { return }
        if status.isFinished {
            try samples()
        } else {
            latestGrid(for: "samples.png", epoch: last.epoch, caption: "64 samples from fixed z")
        }
    }

    /// The digit score's outputs for a chapter that draws digits (appendix A's classifier judges
    /// 2,000 samples after every epoch): the table "scores", the final samples' shares by digit
    /// ("digit shares"), and the charts `frechet.png` and `digits.png`.
    func digitScore<Epoch: ScoredEpoch>(_ history: [Epoch], drawer: String = "G") throws {
        guard let last = history.last, let final = last.score else { return }
        table(
            "scores", "Digit score", ["epoch", "Fréchet distance", "confidence", "rarest digit", "most common digit"],
            history.compactMap { e in
                e.score.map { s in
                    [
                        "\(e.epoch)", fixed(s.frechetDistance, 2), fixed(s.meanConfidence, 3),
                        "\(fixed(100 * s.rarestShare, 1))%", "\(fixed(100 * s.commonShare, 1))%",
                    ]
                }
            })
        table(
            "digit shares", "The final samples by digit", (0..<10).map(String.init),
            [final.classShares.map { "\(fixed(100 * $0, 1))%" }])
        _ = try DigitScore.frechetChart(history).draw(into: run.outputFolder, name: "frechet")
        _ = try final.histogram(epoch: last.epoch, drawer: drawer).draw(into: run.outputFolder, name: "digits")
    }
}

public extension Notebook {
    /// What the run made of a folder of images: the output "data" (how many were used, decoded or
    /// read from the cache, skipped, damaged) and the tables "skipped files" and "damaged files".
    func imageFolder(_ images: ImageFolder, decodeSeconds: Double) {
        var lines = [
            "\(images.count) images used, resized (shorter side \(images.side), area averaging) and center-cropped to "
                + "\(images.side)x\(images.side)"
                + (images.fromCache
                    ? ", read from the cache `\(run.shown(images.cacheFile!))`"
                    : ", decoded in \(formatDuration(decodeSeconds))"
                        + (images.cacheFile.map { " and cached in `\(run.shown($0))`" } ?? "")),
            "\(images.skipped.count) files skipped, \(images.repaired.count) used although libjpeg reported damage",
        ]
        if images.otherFiles > 0 { lines.append("\(images.otherFiles) other files (not .jpg, .jpeg or .png) ignored") }
        bullets("data", "Data", lines)
        for (name, title, problems) in [
            ("skipped files", "Skipped files", images.skipped),
            ("damaged files", "Files used despite damage", images.repaired),
        ]
        where !problems.isEmpty {
            table(
                name, title, ["file", "reason"],
                problems.prefix(50).map { [$0.file, $0.reason] }
                    + (problems.count > 50 ? [["... and \(problems.count - 50) more", ""]] : []))
        }
    }
}

/// The digit score's two numbers for a table that puts a run beside another (`theirs`, read from
/// its metrics.json): the Fréchet distance and the rarest digit's share, theirs then this run's.
public func digitScoreRows(theirs: RunMetrics, mine: DigitScore?) -> [[String]] {
    func share(_ value: Double?) -> String { value.map { "\(fixed(100 * $0, 1))%" } ?? "–" }
    return [
        [
            "Fréchet distance (lower is better)", theirs.metrics["Fréchet distance"].map { fixed($0, 2) } ?? "–",
            mine.map { fixed($0.frechetDistance, 2) } ?? "–",
        ],
        ["rarest digit's share (10% is even)", share(theirs.metrics["rarest digit share"]), share(mine?.rarestShare)],
    ]
}

public extension SamplePictures {
    /// `reconstructions.png`: rows of 10 of the digits at `indices`, each row followed by what
    /// `reconstruct(x, one-hot labels)` makes of them (images in this picture's range).
    func reconstructions(of digits: MNIST, _ indices: [Int], reconstruct: (Tensor, Tensor) -> Tensor) throws {
        let originals = digits.images(indices), labels = Tensor(shape: [0])
        digits.fillOneHotLabels(labels, with: indices)
        try PNG.write(
            grid(
                interleavedRows(originals, reconstruct(originals, labels), perRow: 10), count: 2 * indices.count,
                perRow: 10),
            to: run.output("reconstructions.png"))
    }
}

public extension Notebook {
    /// The table "beside": this GAN run beside another chapter's reference run (`theirs`, read from
    /// `folder`): the networks' weights (G / D), the steps taken (batches of 128), the training time
    /// each run's metrics.json gives, the samples' variety and, for digits, the digit score with the first
    /// epoch of this run below the other's final Fréchet distance.
    func beside(
        _ folder: URL, _ theirs: RunMetrics, title: String, columns: [String],
        weights: (theirs: (Int, Int), mine: (Int, Int)),
        training: GANTraining, digits: Bool
    ) {
        guard let last = training.history.last else { return }
        // chapter 4 records its faces; chapter 3 trains on MNIST's 60,000
        let theirExamples = Int(theirs.metrics["faces"] ?? 60_000)
        let theirEpochs = Int(theirs.configuration["epochs"] ?? "") ?? 0,
            theirSteps = theirEpochs * ((theirExamples + 127) / 128)
        func pair(_ weights: (Int, Int)) -> String { "\(weights.0.formatted()) / \(weights.1.formatted())" }
        var rows = [
            ["parameters of G / D", pair(weights.theirs), pair(weights.mine)],
            [
                "steps (batch 128)", "\(theirSteps.formatted()) (\(theirEpochs) epochs)",
                "\((last.epoch * training.stepsPerEpoch).formatted()) (\(last.epoch) epochs)",
            ],
            [
                "training time", theirs.metrics[RunMetrics.trainingSeconds].map { formatDuration($0) } ?? "–",
                "\(formatDuration(training.trainingSeconds)) on \(run.threads) threads",
            ],
            [
                "variety (real images: 1)", theirs.metrics["variety"].map { shown($0, 2) } ?? "–",
                shown(last.diversity, 2),
            ],
        ]
        if digits {
            rows += digitScoreRows(theirs: theirs, mine: last.score)
            let theirDistance = theirs.metrics["Fréchet distance"] ?? 0
            if let firstBelow = training.history.first(where: {
                ($0.score?.frechetDistance ?? .infinity) < theirDistance
            }) {
                rows.append(["first epoch below chapter 3's final Fréchet distance", "–", "\(firstBelow.epoch)"])
            }
        }
        table("beside", title, columns, rows)
    }
}

public extension Notebook {
    /// The output "map", for a code of 2 numbers: every code's decoding (`manifold.png`,
    /// `SamplePictures.latentMap`) and where the encoder puts digits (`codes` coloured by `digit`,
    /// `codes.png`).
    func latentMap(_ pictures: SamplePictures, codes: Tensor, digit: (Int) -> Int) throws {
        try pictures.latentMap()
        let chart = try codesChart(codes, digit: digit).draw(into: run.outputFolder, name: "codes")
        add("map", "The map of all codes", "![decodings of a grid of codes](manifold.png)"
            + (chart.map { "\n\n![the means μ of test digits, coloured by digit](\($0.lastPathComponent))" } ?? ""))
    }
}
