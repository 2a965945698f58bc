import Foundation

// The student edition, as nbgrader makes one: the teacher's copy is the source of truth, each
// answer written between two marks; the student's copy has the same files with every marked
// region replaced by a line that throws NotWrittenYet. Everything still builds, and every check
// says "not written yet" until the learner writes the body. A region may give the student's copy
// lines to start from instead (each written `//> ` in the teacher's copy): "find the bug" exercises.

public enum StudentEdition {
    public static let beginMark = "// BEGIN SOLUTION", endMark = "// END SOLUTION", startingMark = "//> "
    /// Where the exercises live, from the repository's root.
    public static let exercisesFolder = "Sources/Exercises"

    /// The text with each solution region replaced; `name` is for error messages.
    public static func strip(_ text: String, name: String) throws -> (text: String, regions: Int) {
        var lines: [String] = [], regions = 0, openedAt: Int?, indent = "", starting: [String] = []
        for (number, line) in text.components(separatedBy: "\n").enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed == beginMark {
                guard openedAt == nil else { throw CheckerError("\(name):\(number + 1): a solution region inside another") }
                openedAt = number
                indent = String(line.prefix { $0 == " " })
                starting = []
            } else if trimmed == endMark {
                guard openedAt != nil else { throw CheckerError("\(name):\(number + 1): \(endMark) without \(beginMark)") }
                openedAt = nil
                regions += 1
                if starting.isEmpty {
                    lines.append(indent + "// Your answer here, in place of the line below (the comment above says what to "
                                 + "compute).")
                    lines.append(indent + "throw NotWrittenYet()")
                } else {
                    lines.append(indent + "// The lines to start from: find what is wrong in them (the comment above says what "
                                 + "they should compute).")
                    lines += starting
                }
            } else if openedAt != nil, trimmed.hasPrefix(startingMark) || trimmed == "//>" {
                // "    //> code" -> "    code": the mark and its space go, the indentation stays
                starting.append(indent + String(trimmed.dropFirst(min(trimmed.count, startingMark.count))))
            } else if openedAt == nil {
                lines.append(line)
            }
        }
        if let openedAt { throw CheckerError("\(name):\(openedAt + 1): \(beginMark) is never closed") }
        return (lines.joined(separator: "\n"), regions)
    }

    /// The files of the repository at `root`: what git tracks there, or (without git) every file
    /// but builds and runs.
    static func files(of root: URL) throws -> [String] {
        if FileManager.default.fileExists(atPath: root.appendingPathComponent(".git").path) {
            let git = Process(), output = Pipe()
            git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            git.arguments = ["git", "-C", root.path, "ls-files", "-z"]
            git.standardOutput = output
            try git.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            git.waitUntilExit()
            if git.terminationStatus == 0 {
                return String(decoding: data, as: UTF8.self).split(separator: "\0").map(String.init)
            }
        }
        guard let walker = FileManager.default.enumerator(atPath: root.path) else {
            throw CheckerError("cannot read \(root.path)")
        }
        return walker.compactMap { $0 as? String }.filter { path in
            let first = path.split(separator: "/").first.map(String.init) ?? path
            let isFile = (try? root.appendingPathComponent(path).resourceValues(forKeys: [.isRegularFileKey]))?
                .isRegularFile ?? false
            return isFile && !first.hasPrefix(".build") && first != ".git"
                && !(first == "output" && !path.hasPrefix("output/reference/"))
        }
    }

    /// Writes the student edition of the repository at `root` into `destination` (which must not
    /// exist yet, or be empty). Returns how many files and solution regions.
    @discardableResult
    public static func write(from root: URL, to destination: URL) throws -> (files: Int, regions: Int) {
        let manager = FileManager.default
        if let existing = try? manager.contentsOfDirectory(atPath: destination.path), !existing.isEmpty {
            throw CheckerError("\(destination.path) is not empty: give the student edition a new folder")
        }
        var regions = 0
        let list = try files(of: root)
        for path in list {
            let source = root.appendingPathComponent(path), target = destination.appendingPathComponent(path)
            try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            if path.hasPrefix(exercisesFolder + "/") && path.hasSuffix(".swift") {
                let stripped = try strip(try String(contentsOf: source, encoding: .utf8), name: path)
                regions += stripped.regions
                try stripped.text.write(to: target, atomically: true, encoding: .utf8)
            } else {
                try manager.copyItem(at: source, to: target)
            }
        }
        guard regions > 0 else { throw CheckerError("no solution regions found under \(root.path)/\(exercisesFolder)") }
        return (list.count, regions)
    }
}
