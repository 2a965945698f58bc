import Foundation

// A learner's function may stop the program (an index past the end of an array traps) or never
// return (a loop whose counter never moves). So each check runs in a process of its own: this
// program again, as `exercises run-one ID`, which prints its verdict as one line of JSON. A
// process that dies or overstays its time gives a verdict of its own, and the checker goes on.

/// The outcome of one exercise, as `check --json` and the grading summaries write it.
public struct Outcome: Codable, Sendable {
    public let exercise: String
    public let chapter: String
    public let file: String
    public let verdict: Verdict

    public init(exercise: String, chapter: String, file: String, verdict: Verdict) {
        (self.exercise, self.chapter, self.file, self.verdict) = (exercise, chapter, file, verdict)
    }
}

public struct Supervisor: Sendable {
    /// The program to run (`exercises` itself).
    public let program: URL
    /// The longest a check may take, in seconds.
    public let timeLimit: Double

    public init(program: URL, timeLimit: Double) {
        (self.program, self.timeLimit) = (program, timeLimit)
    }

    /// Runs `run-one` for the exercise (with a wrong answer of the checker's own when `wrong` is
    /// given) in a new process, and reads its verdict.
    public func verdict(for exercise: Exercise, wrong: String? = nil) throws -> Verdict {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("exercise-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outFile = folder.appendingPathComponent("out"), errFile = folder.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        let process = Process()
        process.executableURL = program
        process.arguments = ["run-one", exercise.id] + (wrong.map { ["--wrong", $0] } ?? [])
        var environment = ProcessInfo.processInfo.environment
        // A crash prints where it happened (the backtrace's first frame with a source line).
        environment["SWIFT_BACKTRACE"] = "enable=yes,interactive=no,color=no,limit=16,registers=none,images=none"
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        process.standardError = try FileHandle(forWritingTo: errFile)
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        try process.run()
        if done.wait(timeout: .now() + timeLimit) == .timedOut {
            process.terminate()
            if done.wait(timeout: .now() + 2) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                done.wait()
            }
            return Verdict(.timedOut,
                           "your function did not return within \(Int(timeLimit)) seconds: is there a loop whose "
                            + "counter never reaches its end? (--time-limit sets the limit)")
        }
        let output = (try? String(contentsOf: outFile, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOf: errFile, encoding: .utf8)) ?? ""
        if process.terminationReason == .uncaughtSignal {
            return Verdict(.crashed, "your function stopped the program" + Self.crashPlace(errors)
                            + ". An index past the end of an array is the usual cause: check each loop's bounds "
                            + "against the shapes in the comment.")
        }
        guard let line = output.split(separator: "\n").last,
              let verdict = try? JSONDecoder().decode(Verdict.self, from: Data(line.utf8))
        else {
            throw CheckerError("the check of \(exercise.id) ended (status \(process.terminationStatus)) without a "
                               + "verdict: \(errors.suffix(500))")
        }
        return verdict
    }

    /// The verdicts of several exercises, one process each, in order; `progress` hears each as it comes.
    public func outcomes(_ list: [Exercise], progress: (Outcome) -> Void = { _ in }) throws -> [Outcome] {
        try list.map { exercise in
            let outcome = Outcome(exercise: exercise.id, chapter: exercise.chapter, file: "Sources/Exercises/" + exercise.file,
                                  verdict: try verdict(for: exercise))
            progress(outcome)
            return outcome
        }
    }

    /// ": Index out of range, at Sources/Exercises/…swift:12": the crash's reason, when the runtime
    /// gave one, and the first place in a source file the backtrace names.
    static func crashPlace(_ errors: String) -> String {
        let lines = errors.split(separator: "\n").map(String.init)
        let reason = lines.first { $0.contains("Fatal error:") }
            .map { $0.replacingOccurrences(of: #"^.*Fatal error: ?"#, with: "", options: .regularExpression) }
        let place = lines.lazy.compactMap { line -> String? in
            guard !line.contains("<compiler-generated>"), let range = line.range(of: #" at (/\S+\.swift:\d+)"#,
                                                                                  options: .regularExpression)
            else { return nil }
            let path = String(line[range].dropFirst(4))
            return path.range(of: "Sources/").map { String(path[$0.lowerBound...]) } ?? path
        }.first
        let kind = lines.first { $0.contains("Program crashed:") }
            .map { $0.replacingOccurrences(of: #"^.*Program crashed: ([^*]*?) at .*$"#, with: "$1", options: .regularExpression) }
        let what = (reason ?? kind).map { " (\($0))" } ?? ""
        return what + (place.map { ", at \($0)" } ?? "")
    }

    /// This program, for `run-one`.
    public static var thisProgram: URL {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0])
    }
}

/// How a verdict reads on a terminal: the verdict, what was found, and the hint.
public func describe(_ outcome: Outcome) -> String {
    let v = outcome.verdict
    guard v.status != .notWrittenYet else { return "\(outcome.exercise): \(v.status.rawValue) (\(outcome.file))" }
    return "\(outcome.exercise): \(v.status.rawValue)\n    \(v.message)"
        + (v.hint.map { "\n    Hint (\($0.id)): \($0.text)" } ?? "")
}
