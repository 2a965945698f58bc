import Foundation

// Grading: every student's exercises, built into one copy of the teacher's repository (so the
// checker is the teacher's, whatever a student's copy holds), checked, and summed up in one
// machine-readable file per student folder.

/// One student's result, written to `grade.json` in the student's folder.
public struct Grade: Codable, Sendable {
    public let student: String
    /// Whether the student's exercises compiled; if not, the compiler's first errors.
    public let built: Bool
    public let buildErrors: String?
    public let passes: Int
    public let of: Int
    public let exercises: [Outcome]
}

public struct Grader {
    /// The teacher's repository (its checker and everything but the exercises).
    public let teacher: URL
    /// A copy of it where each student's exercises are put in turn (kept between runs: builds
    /// after the first are incremental).
    public let workFolder: URL
    public let timeLimit: Double

    public init(teacher: URL, workFolder: URL, timeLimit: Double) {
        (self.teacher, self.workFolder, self.timeLimit) = (teacher, workFolder, timeLimit)
    }

    /// Grades the student whose copy of the repository (or of its Sources/Exercises folder) is at
    /// `student`, and writes `grade.json` there.
    public func grade(_ student: URL, log: (String) -> Void) throws -> Grade {
        let manager = FileManager.default
        var theirs = student.appendingPathComponent(StudentEdition.exercisesFolder)
        if !manager.fileExists(atPath: theirs.path) { theirs = student }   // the folder itself holds the exercises
        guard manager.fileExists(atPath: theirs.appendingPathComponent("NotWrittenYet.swift").path) else {
            throw CheckerError("\(student.path) holds no exercises (neither \(StudentEdition.exercisesFolder)/ nor the "
                               + "exercise files themselves)")
        }
        try prepareWorkFolder()
        let ours = workFolder.appendingPathComponent(StudentEdition.exercisesFolder)
        try manager.removeItem(at: ours)
        try manager.copyItem(at: theirs, to: ours)
        log("building \(student.lastPathComponent)'s exercises …")
        let build = try run(["swift", "build", "--package-path", workFolder.path, "--product", "exercises"])
        let name = student.lastPathComponent
        let grade: Grade
        if build.status != 0 {
            let errors = (build.output + build.errors).split(separator: "\n")
                .filter { $0.contains("error:") && !$0.trimmingCharacters(in: .whitespaces).hasPrefix("|")
                    && !$0.contains("emit-module command failed") }
                .map { $0.replacingOccurrences(of: workFolder.standardizedFileURL.path + "/", with: "") }
                .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.prefix(10)
            grade = Grade(student: name, built: false, buildErrors: errors.joined(separator: "\n"), passes: 0,
                          of: exercises.count, exercises: [])
        } else {
            let binary = try run(["swift", "build", "--package-path", workFolder.path, "--show-bin-path"])
            let program = URL(fileURLWithPath: binary.output.trimmingCharacters(in: .whitespacesAndNewlines))
                .appendingPathComponent("exercises")
            let checked = try run([program.path, "check", "--all", "--json", "--time-limit", String(timeLimit)])
            guard let data = checked.output.data(using: .utf8),
                  let outcomes = try? JSONDecoder().decode([Outcome].self, from: data)
            else { throw CheckerError("the checker gave no verdicts for \(name): \(checked.errors.suffix(500))") }
            grade = Grade(student: name, built: true, buildErrors: nil,
                          passes: outcomes.filter { $0.verdict.status == .passes }.count, of: outcomes.count,
                          exercises: outcomes)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(grade).write(to: student.appendingPathComponent("grade.json"), options: .atomic)
        return grade
    }

    /// The work folder: a copy of the teacher's repository, brought up to date on every call (files
    /// that changed are copied again, so the build after it recompiles only what changed).
    func prepareWorkFolder() throws {
        let manager = FileManager.default
        try manager.createDirectory(at: workFolder, withIntermediateDirectories: true)
        for path in try StudentEdition.files(of: teacher)
        where !path.hasPrefix("output/") && !path.hasPrefix(StudentEdition.exercisesFolder + "/") {
            let source = teacher.appendingPathComponent(path), target = workFolder.appendingPathComponent(path)
            if manager.contentsEqual(atPath: source.path, andPath: target.path) { continue }
            try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? manager.removeItem(at: target)
            try manager.copyItem(at: source, to: target)
        }
        let exercises = workFolder.appendingPathComponent(StudentEdition.exercisesFolder)
        try manager.createDirectory(at: exercises, withIntermediateDirectories: true)
    }

    /// Runs a command: its status, what it printed, and what it printed as errors.
    func run(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let errorsFile = FileManager.default.temporaryDirectory.appendingPathComponent("grading-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorsFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorsFile) }
        let process = Process(), pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = pipe
        process.standardError = try FileHandle(forWritingTo: errorsFile)
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errors = (try? String(contentsOf: errorsFile, encoding: .utf8)) ?? ""
        return (process.terminationStatus, String(decoding: data, as: UTF8.self), errors)
    }
}
