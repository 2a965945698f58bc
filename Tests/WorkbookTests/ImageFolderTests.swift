import Foundation
import Testing
@testable import Backprop
@testable import Workbook

/// A smooth RGB test picture: red grows to the right, green downwards, blue is a diagonal wave.
func gradientPicture(width: Int, height: Int) -> [UInt8] {
    var pixels: [UInt8] = []
    for y in 0..<height {
        for x in 0..<width {
            pixels += [UInt8(255 * x / max(width - 1, 1)), UInt8(255 * y / max(height - 1, 1)),
                       UInt8(127.5 + 100 * sin(Double(x + y) / 9))]
        }
    }
    return pixels
}

@Suite("JPEG decoding")
struct JPEGTests {
    @Test func rgbFixtureDecodesWithinJPEGTolerance() throws {
        let pixels = gradientPicture(width: 70, height: 90)
        let (image, notes) = try JPEG.decode(try JPEG.encode(pixels, width: 70, height: 90, components: 3, quality: 95))
        #expect(image.width == 70 && image.height == 90 && image.channels == 3)
        #expect(notes == JPEG.Notes(components: 3, truncated: false, warning: nil))
        let errors = zip(image.pixels, pixels).map { abs(Int($0) - Int($1)) }
        #expect(errors.max()! <= 12, "largest difference \(errors.max()!)")
        #expect(Double(errors.reduce(0, +)) / Double(errors.count) < 2, "mean difference too large")
    }

    @Test func grayAndCMYKBecomeRGB() throws {
        let gray = (0..<(40 * 40)).map { UInt8($0 % 40 * 6) }
        let (fromGray, grayNotes) = try JPEG.decode(try JPEG.encode(gray, width: 40, height: 40, components: 1, quality: 95))
        #expect(grayNotes.components == 1)
        for p in stride(from: 0, to: 1600, by: 37) {
            #expect(fromGray.pixels[3 * p] == fromGray.pixels[3 * p + 1] && fromGray.pixels[3 * p + 1] == fromGray.pixels[3 * p + 2])
            #expect(abs(Int(fromGray.pixels[3 * p]) - Int(gray[p])) <= 8)
        }
        // Adobe-style CMYK (inverted: 255 means no ink): no ink is white, full key ink is black,
        // full cyan ink with no key is cyan.
        var cmyk: [UInt8] = []
        for y in 0..<32 { for _ in 0..<32 { cmyk += y < 16 ? [255, 255, 255, 255] : [0, 255, 255, 255] } }
        let (fromCMYK, cmykNotes) = try JPEG.decode(try JPEG.encode(cmyk, width: 32, height: 32, components: 4, quality: 95))
        #expect(cmykNotes.components == 4)
        let white = Array(fromCMYK.pixels[(4 * 32 + 4) * 3..<(4 * 32 + 4) * 3 + 3])
        let cyan = Array(fromCMYK.pixels[(28 * 32 + 4) * 3..<(28 * 32 + 4) * 3 + 3])
        #expect(white.allSatisfy { $0 > 245 }, "no ink should be white, got \(white)")
        #expect(cyan[0] < 10 && cyan[1] > 245 && cyan[2] > 245, "full cyan should be (0, 255, 255), got \(cyan)")
    }

    @Test func damagedFilesAreErrorsOrNoticedNeverCrashes() throws {
        let jpeg = try JPEG.encode(gradientPicture(width: 64, height: 64), width: 64, height: 64, components: 3)
        let (_, cut) = try JPEG.decode(jpeg.prefix(jpeg.count * 2 / 3))
        #expect(cut.truncated)
        expectError(containing: ["not a readable JPEG"]) { _ = try JPEG.decode(jpeg.prefix(100)) }
        expectError(containing: ["not a readable JPEG"]) { _ = try JPEG.decode(Data("hello, world".utf8)) }
        expectError(containing: ["not a readable JPEG"]) { _ = try JPEG.decode(Data()) }
    }
}

@Suite("Resize and crop")
struct ResizeTests {
    @Test func torchvisionGeometryForCelebA() {
        // 178 x 218 (CelebA) -> 64 x 78 -> rows 7..<71 kept. A picture whose green is its row
        // shows which rows survived: output row y averages source rows around (y + 7 + 0.5) * 218 / 78.
        var pixels: [UInt8] = []
        for y in 0..<218 { for _ in 0..<178 { pixels += [100, UInt8(y), 0] } }
        let out = Image(width: 178, height: 218, channels: 3, pixels: pixels).resizedAndCropped(to: 64)
        #expect(out.width == 64 && out.height == 64 && out.channels == 3)
        for y in [0, 31, 63] {
            let expected = (Double(y + 7) + 0.5) * 218 / 78 - 0.5
            #expect(abs(Double(out.pixels[(y * 64 + 10) * 3 + 1]) - expected) <= 0.51, "row \(y)")
            #expect(out.pixels[(y * 64 + 10) * 3] == 100)
        }
    }

    @Test func halvingAveragesEachTwoByTwoBlock() {
        let gray = (0..<(8 * 8)).map { UInt8(($0 * 37) % 251) }
        let out = Image(width: 8, height: 8, channels: 1, pixels: gray).resizedAndCropped(to: 4)
        for y in 0..<4 {
            for x in 0..<4 {
                let block = [gray[2 * y * 8 + 2 * x], gray[2 * y * 8 + 2 * x + 1], gray[(2 * y + 1) * 8 + 2 * x], gray[(2 * y + 1) * 8 + 2 * x + 1]]
                let mean = Double(block.map(Int.init).reduce(0, +)) / 4
                #expect(abs(Double(out.pixels[(y * 4 + x) * 3]) - mean) <= 0.5)
            }
        }
    }

    @Test func checkerboardDoesNotAlias() {
        // Halving a one-pixel checkerboard: nearest neighbour would keep only the black or only the
        // white squares; area averaging gives an even gray, as the eye sees it from afar.
        let board = (0..<(90 * 90)).map { ($0 / 90 + $0 % 90) % 2 == 0 ? UInt8(0) : 255 }
        let out = Image(width: 90, height: 90, channels: 1, pixels: board).resizedAndCropped(to: 45)
        #expect(out.pixels.allSatisfy { (127...128).contains($0) }, "range \(out.pixels.min()!)...\(out.pixels.max()!)")
    }

    @Test func wideImagesKeepTheMiddleAndSmallOnesGrow() {
        // 200 x 100: the shorter side (100) becomes 50, the width 100, and columns 25..<75 remain:
        // the left quarter (red) and the right quarter (blue) are cut away.
        var pixels: [UInt8] = []
        for _ in 0..<100 { for x in 0..<200 { pixels += x < 50 ? [255, 0, 0] : x >= 150 ? [0, 0, 255] : [0, 255, 0] } }
        let out = Image(width: 200, height: 100, channels: 3, pixels: pixels).resizedAndCropped(to: 50)
        #expect(out.pixels.enumerated().allSatisfy { $0.offset % 3 == 1 ? $0.element == 255 : $0.element == 0 })
        let grown = Image(width: 40, height: 40, channels: 3, pixels: [UInt8](repeating: 77, count: 4800)).resizedAndCropped(to: 64)
        #expect(grown.width == 64 && grown.pixels.allSatisfy { $0 == 77 })
    }
}

@Suite("Image folders")
struct ImageFolderTests {
    /// A folder with `good` fine pictures (JPEG, one PNG, one gray JPEG, in a subfolder too) and one
    /// file of each bad kind.
    func makeFolder(good: Int = 5) throws -> (URL, [String: String]) {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("more"), withIntermediateDirectories: true)
        for i in 0..<good {
            let picture = gradientPicture(width: 48 + i, height: 60)
            let name = i == 0 ? "more/face-\(i).jpg" : "face-\(i).jpg"
            try JPEG.encode(picture, width: 48 + i, height: 60, components: 3).write(to: folder.appendingPathComponent(name))
        }
        try PNG.encode(Image(width: 50, height: 50, channels: 3, pixels: gradientPicture(width: 50, height: 50)))
            .write(to: folder.appendingPathComponent("picture.PNG"))
        try JPEG.encode([UInt8](repeating: 90, count: 50 * 50), width: 50, height: 50, components: 1)
            .write(to: folder.appendingPathComponent("gray.jpeg"))
        let full = try JPEG.encode(gradientPicture(width: 64, height: 64), width: 64, height: 64, components: 3)
        try full.prefix(full.count / 2).write(to: folder.appendingPathComponent("truncated.jpg"))
        var corrupt = full
        for i in stride(from: 20, to: corrupt.count - 2, by: 3) { corrupt[i] = 0xFF }
        try corrupt.write(to: folder.appendingPathComponent("corrupt.jpg"))
        try Data("not a picture".utf8).write(to: folder.appendingPathComponent("notes.jpg"))
        try JPEG.encode([UInt8](repeating: 0, count: 10 * 12 * 3), width: 10, height: 12, components: 3)
            .write(to: folder.appendingPathComponent("tiny.jpg"))
        try Data("readme".utf8).write(to: folder.appendingPathComponent("README.txt"))
        let reasons = ["truncated.jpg": "truncated", "corrupt.jpg": "JPEG", "notes.jpg": "not an image", "tiny.jpg": "too small"]
        return (folder, reasons)
    }

    @Test func goodFilesAreUsedAndEachBadKindIsSkippedWithItsReason() throws {
        let (folder, reasons) = try makeFolder()
        let set = try ImageFolder.load(folders: [folder], side: 32, cacheFolder: nil, help: "get images")
        #expect(set.count == 7)             // 5 JPEGs, the PNG, the gray JPEG
        #expect(set.otherFiles == 1)        // README.txt
        #expect(Set(set.skipped.map(\.file)) == Set(reasons.keys))
        for problem in set.skipped {
            #expect(problem.reason.contains(reasons[problem.file]!) || (problem.file == "corrupt.jpg"), "\(problem)")
        }
        // Sorted by path: face-1..4, gray, more/face-0, picture; the gray file is gray in RGB.
        let gray = set.image(4)
        #expect(gray.pixels.allSatisfy { abs(Int($0) - 90) <= 3 })
        let batch = Tensor(shape: [0])
        set.fill(batch, with: [6, 0], range: -1...1)
        #expect(batch.shape == [2, 3 * 32 * 32])
        #expect(batch.values.allSatisfy { $0 >= -1 && $0 <= 1 })
        // Channel-first: the first plane of the PNG is its red, which grows to the right.
        #expect(batch[0, 31] > batch[0, 0] + 1.5)
    }

    @Test func cacheIsUsedAndRebuiltWhenTheFolderChanges() throws {
        let (folder, _) = try makeFolder()
        let cache = temporaryFolder()
        let first = try ImageFolder.load(folders: [folder], side: 32, cacheFolder: cache, help: "")
        #expect(!first.fromCache && first.cacheFile != nil)
        let second = try ImageFolder.load(folders: [folder], side: 32, cacheFolder: cache, help: "")
        #expect(second.fromCache && second.count == first.count && second.skipped == first.skipped)
        #expect(Array(second.pixels) == Array(first.pixels[0..<(first.count * first.bytesPerImage)]))

        try JPEG.encode(gradientPicture(width: 40, height: 40), width: 40, height: 40, components: 3)
            .write(to: folder.appendingPathComponent("new.jpg"))
        let third = try ImageFolder.load(folders: [folder], side: 32, cacheFolder: cache, help: "")
        #expect(!third.fromCache && third.count == first.count + 1)

        // A damaged cache is not trusted: the images are decoded again.
        let file = try #require(third.cacheFile)
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count - 100] ^= 0xFF
        try bytes.write(to: file)
        let fourth = try ImageFolder.load(folders: [folder], side: 32, cacheFolder: cache, help: "")
        #expect(!fourth.fromCache && fourth.count == third.count)
    }

    @Test func limitTakesTheFirstFilesAndSeveralFoldersAdd() throws {
        let (a, _) = try makeFolder(good: 3)
        let (b, _) = try makeFolder(good: 4)
        let both = try ImageFolder.load(folders: [a, b], side: 32, cacheFolder: nil, help: "")
        #expect(both.count == 5 + 6)
        // The limit counts files, in path order: corrupt.jpg (skipped) and face-1.jpg.
        let limited = try ImageFolder.load(folders: [a, b], side: 32, limit: 2, cacheFolder: nil, help: "")
        #expect(limited.count == 1 && limited.skipped.map(\.file) == ["corrupt.jpg"])
    }

    @Test func emptyMissingAndHopelessFoldersAreClearErrors() throws {
        let empty = temporaryFolder()
        expectError(containing: ["no .jpg, .jpeg or .png files", "how to get them"]) {
            _ = try ImageFolder.load(folders: [empty], side: 32, cacheFolder: nil, help: "how to get them")
        }
        expectError(containing: ["does not exist"]) {
            _ = try ImageFolder.load(folders: [empty.appendingPathComponent("nope")], side: 32, cacheFolder: nil, help: "")
        }
        try Data("text".utf8).write(to: empty.appendingPathComponent("a.jpg"))
        expectError(containing: ["none of the 1 image files could be decoded", "a.jpg"]) {
            _ = try ImageFolder.load(folders: [empty], side: 32, cacheFolder: nil, help: "")
        }
    }
}

@Suite("Image folders of links")
struct ImageFolderLinkTests {
    @Test func linksToFilesElsewhereAreReadAndABrokenOneIsNamed() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("links-\(ProcessInfo.processInfo.processIdentifier)")
        let originals = base.appendingPathComponent("originals"), subset = base.appendingPathComponent("subset")
        try FileManager.default.createDirectory(at: originals, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: subset, withIntermediateDirectories: true)
        var pixels: [UInt8] = []
        for y in 0..<40 { for x in 0..<40 { pixels += [UInt8(x * 6), UInt8(y * 6), 128] } }
        for i in 0..<3 {
            try JPEG.encode(pixels, width: 40, height: 40, components: 3).write(to: originals.appendingPathComponent("\(i).jpg"))
            try FileManager.default.createSymbolicLink(at: subset.appendingPathComponent("face-\(i).jpg"),
                                                       withDestinationURL: originals.appendingPathComponent("\(i).jpg"))
        }
        try FileManager.default.createSymbolicLink(at: subset.appendingPathComponent("gone.jpg"),
                                                   withDestinationURL: originals.appendingPathComponent("missing.jpg"))
        let set = try ImageFolder.load(folders: [subset], side: 32, cacheFolder: nil, help: "")
        #expect(set.count == 3)
        #expect(set.skipped.count == 1 && set.skipped[0].file == "gone.jpg", "\(set.skipped)")
        #expect(set.skipped.first?.reason.contains("broken symbolic link") == true, "\(set.skipped)")
    }
}
