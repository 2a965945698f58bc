// Appendix A: measuring a GAN. Trains (once) the digit classifier that judges chapter 3's samples,
// then places the score on a ruler: what do real digits, noise and a collapsed generator score?
//
//     swift run score-digits --data-dir ../shared/data
//     swift run score-digits --idx output/chapter03-gan/generated-idx3-ubyte   # score your own samples

import ArgumentParser
import Backprop
import Foundation
import Models
import Workbook

struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score-digits",
        abstract: "Train the digit classifier, calibrate the digit score, and score generated digits.")

    @Option(
        help: ArgumentHelp(
            "Also score these digits: an IDX file of 28x28 images (chapter 3's --generate writes one).",
            valueName: "file"))
    var idx: String?
    @OptionGroup var cache: CacheOptions
    @OptionGroup var run: RunOptions
}

let options = Options.parseOrExit()
let run = exitOnError { try Run(chapter: "score-digits", options: options.run) }
let rng = RandomGenerator(seed: options.run.seed)

// MARK: - The judge

let train = exitOnError { try MNIST.load(.train, root: run.dataRoot) }
let test = exitOnError { try MNIST.load(.test, root: run.dataRoot) }
let (classifier, file, fresh) = exitOnError {
    try DigitClassifier.trained(on: train, cacheFolder: options.cache.cacheFolder)
}
let accuracy = classifier.accuracy(on: test)
print(
    "Digit classifier \(DigitClassifier.sizes.map(String.init).joined(separator: "-"))\(fresh ? ", trained now" : ""): "
        + "\(fixed(100 * accuracy, 2))% of the 10,000 test digits right" + (file.map { " (\($0.path))" } ?? ""))
let scorer = DigitScorer(classifier: classifier, reference: test)

// MARK: - The ruler: sets of images whose quality we know

let count = min(2000, train.count)
func trainingDigits(_ indices: [Int]) -> Tensor {
    let images = Tensor(shape: [0])
    train.fill(images, with: indices)
    return images
}
var order = Array(0..<train.count)
rng.shuffle(&order)

var rows: [(name: String, meaning: String, score: DigitScore)] = []
func measure(_ name: String, _ meaning: String, _ images: Tensor) {
    let score = scorer.score(images)
    rows.append((name, meaning, score))
    print("\(name): Fréchet distance \(fixed(score.frechetDistance, 2)), confidence \(fixed(score.meanConfidence, 3)), "
          + "digits from \(fixed(100 * score.rarestShare, 1))% to \(fixed(100 * score.commonShare, 1))%")
}

measure(
    "real training digits", "\(count) random digits the classifier was trained on: the best a generator can hope for",
    trainingDigits(Array(order.prefix(count))))

let blurred = trainingDigits(Array(order.prefix(count)))
let copy = Tensor(copying: blurred)
for n in 0..<count {                       // a 3x3 box blur: digits that are right but soft
    for y in 0..<28 {
        for x in 0..<28 {
            var sum: Float = 0, cells: Float = 0
            for dy in -1...1 { for dx in -1...1 where (0..<28).contains(y + dy) && (0..<28).contains(x + dx) {
                sum += copy[n, (y + dy) * 28 + x + dx]; cells += 1
            } }
            blurred[n, y * 28 + x] = sum / cells
        }
    }
}
measure("blurred real digits", "the same digits under a 3x3 box blur: right shapes, soft strokes", blurred)

let ones = train.labels.indices.filter { train.labels[$0] == 1 }
measure("only ones", "\(count) real ones: perfect digits, one class (collapse onto a mode)",
        trainingDigits((0..<count).map { ones[$0 % ones.count] }))

let single = trainingDigits([Int](repeating: order[0], count: count))
measure("one digit, repeated", "a single training digit \(count) times: total collapse", single)

let noise = Tensor(shape: [count, 784])
noise.fillUniform(using: rng, low: 0, high: 1)
measure("uniform noise", "random pixels: no digits at all", noise)

let dark = Tensor(shape: [count, 784])
dark.fillUniform(using: rng, low: 0, high: 0.05)
measure("nearly black", "dark images with faint noise", dark)

if let path = options.idx {
    let generated = exitOnError {
        let array = try IDXArray(contentsOf: URL(fileURLWithPath: path))
        guard array.dimensions.count == 3, array.dimensions[1] == 28, array.dimensions[2] == 28,
            array.dimensions[0] >= 2
        else {
            throw WorkbookError("\(path) holds an array of shape \(array.dimensions), not at least two 28x28 images")
        }
        return array
    }
    let images = Tensor(shape: [generated.dimensions[0], 784], values: generated.bytes.map { Float($0) / 255 })
    measure("your samples", path, images)
}

// MARK: - The outputs, woven into chapters/A-measuring-a-gan.md

let notebook = Notebook(run: run, settings: Settings(["images per set": count], run: options.run))
notebook.add("accuracy", "The classifier's accuracy", "\(fixed(100 * accuracy, 2))%")
notebook.table(
    "ruler", "The ruler", ["set", "Fréchet distance", "confidence", "rarest digit", "most common digit", "what it is"],
    rows.map {
        [
            $0.name, fixed($0.score.frechetDistance, 2), fixed($0.score.meanConfidence, 3),
            "\($0.score.rarestDigit): \(fixed(100 * $0.score.rarestShare, 1))%",
            "\($0.score.commonDigit): \(fixed(100 * $0.score.commonShare, 1))%", $0.meaning,
        ]
    })
exitOnError { try notebook.write(.finished(elapsed: run.elapsed)) }
print("Wrote \(run.output("report.html").path)")
