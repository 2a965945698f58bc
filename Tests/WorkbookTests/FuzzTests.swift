import Foundation
import Testing
@testable import Backprop
@testable import Workbook

/// Damaged files of every kind the workbook reads: each reader must answer with an error or a
/// valid result, never crash, hang or exhaust memory. A crash ends the test run, so reaching the
/// end of a test is the proof; the counts are printed for TESTING.md.
@Suite("Fuzzing the readers")
struct FuzzTests {
    /// Variants of `seed`: truncations at every kind of length, runs of flipped bytes, random
    /// bytes written over the header, bytes inserted or removed, and pure noise.
    static func mutations(of seed: [UInt8], count: Int, rng: RandomGenerator) -> [[UInt8]] {
        var results: [[UInt8]] = [[], Array(seed.prefix(1)), Array(seed.dropLast())]
        while results.count < count {
            var bytes = seed
            switch rng.index(below: 6) {
            case 0: bytes = Array(bytes.prefix(rng.index(below: max(bytes.count, 1))))            // truncated
            case 1: for _ in 0..<(1 + rng.index(below: 8)) where !bytes.isEmpty {                  // bytes flipped anywhere
                        bytes[rng.index(below: bytes.count)] ^= UInt8(1 + rng.index(below: 255)) }
            case 2: for i in 0..<min(bytes.count, 64) where rng.index(below: 8) == 0 {              // the header scrambled
                        bytes[i] = UInt8(rng.index(below: 256)) }
            case 3: let at = rng.index(below: bytes.count + 1)                                     // bytes inserted
                    bytes.insert(contentsOf: (0..<(1 + rng.index(below: 16))).map { _ in UInt8(rng.index(below: 256)) }, at: at)
            case 4: if bytes.count > 2 { let at = rng.index(below: bytes.count - 1)                // bytes removed
                        bytes.removeSubrange(at..<min(bytes.count, at + 1 + rng.index(below: 16))) }
            default: bytes = (0..<rng.index(below: 300)).map { _ in UInt8(rng.index(below: 256)) } // noise
            }
            results.append(bytes)
        }
        return results
    }

    static let perReader = 1500

    @Test func idxAndGzip() throws {
        let rng = RandomGenerator(seed: 11)
        let idx = IDXArray(dimensions: [5, 28, 28], bytes: (0..<(5 * 784)).map { UInt8($0 % 251) }).encoded
        var valid = 0, refused = 0
        for bytes in Self.mutations(of: idx, count: Self.perReader, rng: rng) + Self.mutations(of: try gzip(idx), count: Self.perReader, rng: rng) {
            do {
                let array = try IDXArray(parsing: bytes.starts(with: [0x1f, 0x8b]) ? try gunzip(bytes) : bytes)
                #expect(array.dimensions.reduce(1, *) == array.bytes.count)
                valid += 1
            } catch is WorkbookError { refused += 1 }
        }
        print("fuzz: IDX and gzip, \(valid + refused) damaged inputs, \(refused) refused, \(valid) read as valid")
        #expect(valid + refused == 2 * Self.perReader && refused > Self.perReader)
    }

    @Test func png() throws {
        let rng = RandomGenerator(seed: 12)
        let seeds = [try PNG.encode(Image(width: 20, height: 14, channels: 3, pixels: gradientPicture(width: 20, height: 14))),
                     try PNG.encode(Image(width: 9, height: 9, channels: 1, pixels: (0..<81).map { UInt8($0 * 3) }))]
        var valid = 0, refused = 0
        for seed in seeds {
            for bytes in Self.mutations(of: [UInt8](seed), count: Self.perReader, rng: rng) {
                do {
                    let image = try PNG.decode(Data(bytes))
                    #expect(image.pixels.count == image.width * image.height * image.channels)
                    valid += 1
                } catch is WorkbookError { refused += 1 }
            }
        }
        print("fuzz: PNG, \(valid + refused) damaged inputs, \(refused) refused, \(valid) decoded")
        #expect(valid + refused == 2 * Self.perReader && refused > 0)
    }

    @Test func jpegAndTheImageFolderDecoder() throws {
        let rng = RandomGenerator(seed: 13)
        let seeds = [try JPEG.encode(gradientPicture(width: 40, height: 48), width: 40, height: 48, components: 3),
                     try JPEG.encode((0..<(32 * 32)).map { UInt8($0 % 256) }, width: 32, height: 32, components: 1),
                     try JPEG.encode([UInt8](repeating: 128, count: 16 * 16 * 4), width: 16, height: 16, components: 4)]
        var valid = 0, refused = 0, truncated = 0
        let target = UnsafeMutablePointer<UInt8>.allocate(capacity: 3 * 32 * 32)
        defer { target.deallocate() }
        let folder = temporaryFolder()
        for (s, seed) in seeds.enumerated() {
            for (i, bytes) in Self.mutations(of: [UInt8](seed), count: Self.perReader, rng: rng).enumerated() {
                do {
                    let (image, notes) = try JPEG.decode(Data(bytes))
                    #expect(image.pixels.count == image.width * image.height * 3)
                    if notes.truncated { truncated += 1 }
                    valid += 1
                } catch is WorkbookError { refused += 1 }
                if i % 10 == 0 {   // the folder reader's path too: decode, resize, crop, or skip with a reason
                    let file = folder.appendingPathComponent("\(s)-\(i).jpg")
                    try Data(bytes).write(to: file)
                    if case .skipped(let reason) = ImageFolder.decodeOne(file, side: 32, into: target) { #expect(!reason.isEmpty) }
                }
            }
        }
        print("fuzz: JPEG, \(valid + refused) damaged inputs, \(refused) refused, \(valid) decoded (\(truncated) noticed as truncated)")
        #expect(valid + refused == 3 * Self.perReader && refused > 0)
    }

    @Test func checkpointAndImageCache() throws {
        let rng = RandomGenerator(seed: 14)
        let model = Sequential(Linear(6, 4, rng: rng), ReLU(), Linear(4, 2, rng: rng))
        var checkpoint = Checkpoint(epoch: 3, randomState: rng.stateWords, configuration: ["a": "b"], state: "{\"loss\": [1, 2, 3]}")
        checkpoint.add(model, as: "M")
        let folder = temporaryFolder()
        let file = folder.appendingPathComponent("c.bin")
        try checkpoint.write(to: file)
        var valid = 0, refused = 0
        for bytes in Self.mutations(of: [UInt8](try Data(contentsOf: file)), count: Self.perReader, rng: rng) {
            do { _ = try Checkpoint(decoding: Data(bytes)); valid += 1 } catch is WorkbookError { refused += 1 }
        }
        print("fuzz: checkpoint, \(valid + refused) damaged inputs, \(refused) refused, \(valid) read")
        #expect(valid + refused == Self.perReader && refused >= Self.perReader - 5)   // the CRC catches (nearly) every change

        // The decoded-image cache: a damaged one is refused, and the images are decoded again.
        let images = temporaryFolder()
        for i in 0..<3 {
            try JPEG.encode(gradientPicture(width: 40, height: 40), width: 40, height: 40, components: 3).write(to: images.appendingPathComponent("\(i).jpg"))
        }
        let cacheFolder = temporaryFolder()
        let set = try ImageFolder.load(folders: [images], side: 32, cacheFolder: cacheFolder, help: "")
        let cacheFile = try #require(set.cacheFile)
        let original = [UInt8](try Data(contentsOf: cacheFile))
        let headerLength = Int(original[8..<16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        let fingerprint = try JSONDecoder().decode(ImageFolder.CacheHeader.self, from: Data(original[16..<(16 + headerLength)])).fingerprint
        #expect(try ImageFolder.readCache(cacheFile, fingerprint: fingerprint, side: 32, otherFiles: 0).count == 3)   // the intact cache reads
        var cacheRefused = 0, cacheRead = 0
        for bytes in Self.mutations(of: original, count: 300, rng: rng) {
            try Data(bytes).write(to: cacheFile)
            do { let read = try ImageFolder.readCache(cacheFile, fingerprint: fingerprint, side: 32, otherFiles: 0); cacheRead += 1
                 #expect(read.count == 3) } catch { cacheRefused += 1 }
        }
        print("fuzz: image cache, \(cacheRead + cacheRefused) damaged inputs, \(cacheRefused) refused, \(cacheRead) read")
        #expect(cacheRefused >= 290)
    }
}
