import Foundation
import Testing
@testable import Backprop
@testable import Workbook

/// A fresh temporary folder for one test.
func temporaryFolder(_ name: String = #function) -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("workbook-tests-\(ProcessInfo.processInfo.processIdentifier)-\(name.filter(\.isLetter))-\(UInt32.random(in: 0...UInt32.max))")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Expects `body` to throw a WorkbookError whose message contains every one of `fragments`.
func expectError(containing fragments: [String], _ body: () throws -> Void,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        try body()
        Issue.record("expected an error mentioning \(fragments), but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as WorkbookError {
        for fragment in fragments {
            #expect(error.message.contains(fragment), "the message «\(error.message)» does not mention «\(fragment)»",
                    sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected a WorkbookError, got \(error)", sourceLocation: sourceLocation)
    }
}

@Suite("gzip and IDX files")
struct IDXTests {
    let fixture = IDXArray(dimensions: [3, 2, 4], bytes: (0..<24).map { UInt8($0 * 10) })

    @Test func paddedDigitsHaveABackgroundBorderAndCropBackExactly() {
        let rng = RandomGenerator(seed: 3)
        let mnist = MNIST(pixels: (0..<(3 * 784)).map { _ in UInt8(rng.index(below: 256)) }, labels: [1, 2, 3])
        let plain = Tensor(shape: [0]), padded = Tensor(shape: [0])
        mnist.fill(plain, with: [2, 0], range: -1...1)
        mnist.fill(padded, with: [2, 0], range: -1...1, padding: 2)
        #expect(padded.shape == [2, 32 * 32])
        // The border is the background (black: -1), the middle square the digit, pixel for pixel.
        for b in 0..<2 {
            for y in 0..<32 {
                for x in 0..<32 {
                    let inside = (2..<30).contains(y) && (2..<30).contains(x)
                    let expected = inside ? plain[b, (y - 2) * 28 + x - 2] : -1
                    #expect(padded[b, y * 32 + x] == expected, "image \(b) pixel (\(y), \(x))")
                }
            }
        }
        let cropped = cropImages(padded, side: 32, margin: 2)
        #expect(cropped.shape == plain.shape && cropped.values == plain.values)
    }

    @Test func gzipRoundTripIncludingEmptyAndLarge() throws {
        for bytes in [[UInt8](), [42], (0..<300_000).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 1000) }] {
            #expect(try gunzip(try gzip(bytes)) == bytes)
        }
    }

    @Test func writtenFixtureReadsBackExactly() throws {
        let folder = temporaryFolder()
        let raw = folder.appendingPathComponent("fixture-idx3-ubyte")
        let compressed = folder.appendingPathComponent("fixture-idx3-ubyte.gz")
        try Data(fixture.encoded).write(to: raw)
        try Data(try gzip(fixture.encoded)).write(to: compressed)
        #expect(try IDXArray(contentsOf: raw) == fixture)
        #expect(try IDXArray(contentsOf: compressed) == fixture)
        #expect(fixture.encoded.prefix(8) == [0, 0, 8, 3, 0, 0, 0, 3])
    }

    @Test func badMagicIsAClearError() {
        var bytes = fixture.encoded
        bytes[0] = 0x12
        expectError(containing: ["bad magic number", "12000803"]) { _ = try IDXArray(parsing: bytes) }
        var otherType = fixture.encoded
        otherType[2] = 0x0D   // floats
        expectError(containing: ["0x0d", "not supported"]) { _ = try IDXArray(parsing: otherType) }
    }

    @Test func truncatedDataIsAClearError() {
        let bytes = Array(fixture.encoded.dropLast(5))
        expectError(containing: ["truncated", "need 24 bytes", "has 19"]) { _ = try IDXArray(parsing: bytes) }
        expectError(containing: ["header is truncated"]) { _ = try IDXArray(parsing: Array(fixture.encoded.prefix(9))) }
        expectError(containing: ["too short"]) { _ = try IDXArray(parsing: [0, 0]) }
        expectError(containing: ["unexpected bytes"]) { _ = try IDXArray(parsing: fixture.encoded + [1, 2]) }
    }

    @Test func impossibleDimensionsAreRefused() {
        var zeroDimension = fixture.encoded
        zeroDimension[7] = 0
        expectError(containing: ["impossible size 0"]) { _ = try IDXArray(parsing: zeroDimension) }
        var tooManyDimensions = fixture.encoded
        tooManyDimensions[3] = 9
        expectError(containing: ["9 dimensions"]) { _ = try IDXArray(parsing: tooManyDimensions) }
    }

    @Test func notGzipAndTruncatedGzipAreClearErrors() throws {
        expectError(containing: ["not a gzip file"]) { _ = try gunzip(Array("hello, this is not gzip at all".utf8)) }
        let compressed = try gzip(fixture.encoded + [UInt8](repeating: 7, count: 5000))
        expectError(containing: ["truncated"]) { _ = try gunzip(Array(compressed.prefix(compressed.count / 2))) }
        var corrupt = compressed
        for i in 12..<min(40, corrupt.count - 8) { corrupt[i] ^= 0xA5 }
        expectError(containing: ["corrupt"]) { _ = try gunzip(corrupt) }
    }

    @Test func aFileNamedGzThatIsNotGzipNamesTheFile() throws {
        let url = temporaryFolder().appendingPathComponent("train-images-idx3-ubyte.gz")
        try Data("<html>quota exceeded</html>".utf8).write(to: url)
        expectError(containing: [url.path, "not an IDX file"]) { _ = try IDXArray(contentsOf: url) }
    }
}

@Suite("MNIST loading")
struct MNISTTests {
    /// Writes a tiny MNIST-shaped data set (gzip IDX files) into root/mnist.
    func writeFixture(root: URL, count: Int = 12, imageSide: Int = 28, labels: [UInt8]? = nil) throws {
        let folder = root.appendingPathComponent("mnist")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let pixels = (0..<(count * imageSide * imageSide)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let images = IDXArray(dimensions: [count, imageSide, imageSide], bytes: pixels)
        let labelArray = IDXArray(dimensions: [count], bytes: labels ?? (0..<count).map { UInt8($0 % 10) })
        for split in MNIST.Split.allCases {
            try Data(try gzip(images.encoded)).write(to: folder.appendingPathComponent(split.imagesFile))
            try Data(try gzip(labelArray.encoded)).write(to: folder.appendingPathComponent(split.labelsFile))
        }
    }

    @Test func loadsAFixtureAndScalesBatches() throws {
        let root = temporaryFolder()
        try writeFixture(root: root)
        let data = try MNIST.load(.train, root: root, download: false)
        #expect(data.count == 12)
        #expect(data.labels == (0..<12).map { UInt8($0 % 10) })
        let batch = Tensor(shape: [0])
        data.fill(batch, with: [3, 0], range: -1...1)
        #expect(batch.shape == [2, 784])
        #expect(abs(batch[0, 0] - (Float(data.pixels[3 * 784]) / 127.5 - 1)) < 1e-6)
        #expect(abs(batch[1, 5] - (Float(data.pixels[5]) / 127.5 - 1)) < 1e-6)
        data.fill(batch, with: [1], range: 0...1)
        #expect(batch.shape == [1, 784] && batch.values.allSatisfy { (0...1).contains($0) })
        #expect(data.prefix(5).count == 5 && data.prefix(nil).count == 12 && data.prefix(100).count == 12)
        #expect(data.examplesOfEachDigit(1) == Array(0..<10))
    }

    @Test func wrongImageShapeIsAClearError() throws {
        let root = temporaryFolder()
        try writeFixture(root: root, imageSide: 27)
        expectError(containing: ["[12, 27, 27]", "not [count, 28, 28]"]) { _ = try MNIST.load(.test, root: root, download: false) }
    }

    @Test func badLabelsAreAClearError() throws {
        let root = temporaryFolder()
        try writeFixture(root: root, labels: [UInt8](repeating: 11, count: 12))
        expectError(containing: ["label 11"]) { _ = try MNIST.load(.train, root: root, download: false) }
    }

    @Test func missingFilesSayWhatToPutWhere() {
        let root = temporaryFolder()
        expectError(containing: ["MNIST is not available", "train-images-idx3-ubyte.gz is missing",
                                 root.appendingPathComponent("mnist").path, "--data-dir", "WORKBOOK_DATA",
                                 "t10k-labels-idx1-ubyte.gz", MNIST.files[0].sha256]) {
            _ = try MNIST.load(.train, root: root, download: false)
        }
    }

    @Test func theRealFilesHaveTheOfficialChecksums() throws {
        // The shared development copy, when present (CI and the developers' machines have it).
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../shared/data/mnist").standardized
        guard FileManager.default.fileExists(atPath: folder.path) else { return }
        for file in MNIST.files {
            let data = try Data(contentsOf: folder.appendingPathComponent(file.name))
            #expect(data.count == file.bytes)
            #expect(sha256Hex(data) == file.sha256, "\(file.name)")
        }
    }

    @Test func sha256OfKnownInputs() {
        #expect(sha256Hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(sha256Hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func dataRootPrefersTheFlag() {
        #expect(DataLocation.root(flag: "/some/where").path == "/some/where")
        #expect(DataLocation.origin(flag: "/x") == "--data-dir")
    }
}
