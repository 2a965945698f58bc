// The exercises a learner can check (Sources/Exercises, one function a file).
//
//     swift run exercises                          # every exercise, by chapter, with its status
//     swift run exercises check sigmoid-backward   # a verdict; a hint when the numbers show a known mistake
//     swift run exercises check --all
//     swift run exercises demo adam-update         # for teachers: what each known mistake is told
//     swift run exercises student-edition ../course-2027     # the repository without the solutions
//     swift run exercises grade ../submissions/*   # one grade.json per student folder

import ArgumentParser
import ExerciseChecker
import Foundation
import Workbook

struct TimeLimit: ParsableArguments {
    @Option(help: "The longest one check may take, in seconds, before it is stopped as a loop that never ends.")
    var timeLimit: Double = 60

    func validate() throws {
        try require(timeLimit > 0 && timeLimit <= 3600, "--time-limit must be in (0, 3600] seconds (got \(timeLimit))")
    }

    var supervisor: Supervisor { Supervisor(program: Supervisor.thisProgram, timeLimit: timeLimit) }
}

struct Exercises: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exercises", abstract: "The exercises you can check: write a function, get a verdict and a hint.",
        subcommands: [List.self, Check.self, Demo.self, StudentEditionCommand.self, Grade.self, RunOne.self],
        defaultSubcommand: List.self)
}

/// Prints outcomes grouped by chapter, as a table.
func printTable(_ outcomes: [Outcome]) {
    var chapter = ""
    for (outcome, exercise) in zip(outcomes, exercises) {
        if exercise.chapter != chapter {
            chapter = exercise.chapter
            print("\n\(chapter)")
        }
        let padded = exercise.id.padding(toLength: 25, withPad: " ", startingAt: 0)
        let status = outcome.verdict.status.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)
        print("  \(padded) \(status) \(exercise.title) (Sources/Exercises/\(exercise.file); \(exercise.judgedBy))")
    }
}

extension Exercises {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every exercise by chapter with its status.")
        @OptionGroup var limit: TimeLimit

        func run() throws {
            let outcomes = try limit.supervisor.outcomes(exercises)
            printTable(outcomes)
            let passing = outcomes.filter { $0.verdict.status == .passes }.count
            print("\n\(passing) of \(outcomes.count) pass. Write one in its file, then: swift run exercises check ID")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check exercises: a verdict each, what was wrong, and a hint for a known mistake.",
            discussion: "Exits with status 0 when every checked exercise passes, 1 otherwise.")
        @Argument(help: "The exercises to check (their ids: `swift run exercises` lists them).")
        var ids: [String] = []
        @Flag(help: "Check every exercise.")
        var all = false
        @Flag(help: "Print the verdicts as JSON (one object per exercise: exercise, chapter, file, verdict).")
        var json = false
        @OptionGroup var limit: TimeLimit

        func validate() throws {
            try require(all != !ids.isEmpty, "name the exercises to check, or --all (not both)")
        }

        func run() throws {
            let chosen = all ? exercises : try ids.map(exercise)
            let outcomes = try limit.supervisor.outcomes(chosen) { outcome in
                if !json { print(describe(outcome)) }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(outcomes), as: UTF8.self))
            } else if chosen.count > 1 {
                print("\n\(outcomes.filter { $0.verdict.status == .passes }.count) of \(outcomes.count) pass.")
            }
            if outcomes.contains(where: { $0.verdict.status != .passes }) { throw ExitCode(1) }
        }
    }

    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "For teachers: run an exercise's check on each of its known wrong answers and show what a "
                + "learner who makes that mistake is told.")
        @Argument(help: "The exercise (its id).")
        var id: String
        @OptionGroup var limit: TimeLimit

        func run() throws {
            let exercise = try ExerciseChecker.exercise(id)
            let wrong = wrongAnswers.filter { $0.exercise == id }
            for answer in wrong {
                let verdict = try limit.supervisor.verdict(for: exercise, wrong: answer.name)
                print("Wrong answer: \(answer.name)")
                let outcome = Outcome(exercise: id, chapter: exercise.chapter, file: "Sources/Exercises/" + exercise.file,
                                      verdict: verdict)
                print("  " + describe(outcome).replacingOccurrences(of: "\n", with: "\n  ") + "\n")
            }
        }
    }

    struct StudentEditionCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "student-edition",
            abstract: "Write the repository without the solutions: every exercise's body throws NotWrittenYet.")
        @Argument(help: "A new (or empty) folder for the student edition.")
        var destination: String
        @Option(help: "The teacher's repository (default: the current folder).")
        var from = "."

        func run() throws {
            let root = URL(fileURLWithPath: from)
            guard FileManager.default.fileExists(atPath: root.appendingPathComponent(StudentEdition.exercisesFolder).path)
            else { throw CheckerError("\(root.path) has no \(StudentEdition.exercisesFolder): run this in the repository") }
            let written = try StudentEdition.write(from: root, to: URL(fileURLWithPath: destination))
            print("Wrote the student edition to \(destination): \(written.files) files, \(written.regions) solutions "
                  + "removed. In it, `swift run exercises` says \"not written yet\" for every exercise but the "
                  + "\"find the bug\" ones, which start from lines to mend.")
        }
    }

    struct Grade: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Grade students' copies: check every exercise of each, and write grade.json into each folder.",
            discussion: "Each folder is a student's copy of the student edition (or just its Sources/Exercises). "
                + "Their exercise files are built into one copy of this repository, so the checker is yours.")
        @Argument(help: "The students' folders.")
        var students: [String]
        @Option(help: "Where the grading copy of this repository is kept (its builds are reused).")
        var workDir = ".build/grading"
        @OptionGroup var limit: TimeLimit

        func validate() throws { try require(!students.isEmpty, "name at least one student folder") }

        func run() throws {
            let grader = Grader(teacher: URL(fileURLWithPath: "."), workFolder: URL(fileURLWithPath: workDir),
                                timeLimit: limit.timeLimit)
            for folder in students {
                let grade = try grader.grade(URL(fileURLWithPath: folder)) { print($0) }
                print(grade.built ? "\(grade.student): \(grade.passes) of \(grade.of) pass (\(folder)/grade.json)"
                      : "\(grade.student): does not compile (\(folder)/grade.json has the errors)")
            }
        }
    }

    /// One check in this process, its verdict printed as JSON (the supervisor runs this).
    struct RunOne: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "run-one", shouldDisplay: false)
        @Argument var id: String
        @Option(help: "Check one of the checker's own wrong answers instead of yours.")
        var wrong: String?

        func run() throws {
            let verdict = try wrong.map { try wrongAnswer(id, $0).judge() } ?? ExerciseChecker.exercise(id).check()
            print(String(decoding: try JSONEncoder().encode(verdict), as: UTF8.self))
        }
    }
}

Exercises.main()
