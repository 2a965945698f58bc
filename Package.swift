// swift-tools-version: 6.0
// Generative Workbook: autoencoders and GANs from first principles, in Swift.
import PackageDescription

// The reader types `swift run chapter01-autoencoder`, a debug build. The mathematics must run at
// full speed anyway, so the targets with hot loops are always compiled with optimisation, and on
// x86-64 for the machine they are built on (AVX2 + FMA where the CPU has them; without
// `-march=native`, swiftc targets baseline SSE2 and splits every SIMD8<Float> into two halves).
var fastMath: [SwiftSetting] = [.unsafeFlags(["-O", "-enforce-exclusivity=unchecked"])]
#if arch(x86_64)
fastMath.append(.unsafeFlags(["-Xcc", "-march=native"]))
#endif

let chapterDependencies: [Target.Dependency] = [
    "Backprop", "Models", "Workbook", "Exercises", "ExerciseChecker", .product(name: "ArgumentParser", package: "swift-argument-parser"),
]

let package = Package(
    name: "GenerativeWorkbook",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Backprop", targets: ["Backprop"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Workbook", targets: ["Workbook"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // System libraries, found through pkg-config: nothing but a module map each.
        .systemLibrary(name: "CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg-dev"]), .brew(["jpeg-turbo"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        // GitHub's markdown renderer, for the reports' web pages (its extensions have no pkg-config file).
        .systemLibrary(name: "CCmark", pkgConfig: "libcmark-gfm",
                       providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"]), .brew(["cmark-gfm"])]),

        // Cache hints, atomics and a spin-wait pause for the kernels and their threads (C builtins).
        .systemLibrary(name: "CHardware"),

        // The mathematics of learning: tensors, kernels, layers, losses, optimisers, random numbers.
        // Whole-module optimisation even in debug builds: the kernels' register tiles and vector loads
        // live in files of their own and must still be inlined where they are used (per-file
        // compilation cannot inline across files). "-num-threads" keeps one object per file.
        .target(name: "Backprop", dependencies: ["CHardware"],
                swiftSettings: fastMath + [.unsafeFlags(["-wmo", "-num-threads", "2"])]),

        // The chapters' networks, and their training steps as the benchmark and the tests run them.
        .target(name: "Models", dependencies: ["Backprop"], swiftSettings: fastMath),

        // The exercises a learner writes (one function a file; solutions between BEGIN and END SOLUTION
        // marks, which the student edition removes), and the checker that judges them.
        .target(name: "Exercises", dependencies: ["Backprop", "Models"], swiftSettings: fastMath),
        .target(name: "ExerciseChecker",
                dependencies: ["Backprop", "Models", "Exercises", "Workbook",
                               .product(name: "ArgumentParser", package: "swift-argument-parser")],
                swiftSettings: fastMath),

        // The notebook around it: data, images, charts, reports, progress, command-line options.
        .target(name: "Workbook",
                dependencies: [
                    "Backprop", "Models", "CHardware", "CPNG", "CJPEG", "CZlib", "CCmark",
                    .product(name: "ArgumentParser", package: "swift-argument-parser"),
                    .product(name: "Crypto", package: "swift-crypto"),
                ],
                swiftSettings: fastMath),

        // The chapters: one executable each, read top to bottom like a notebook.
        .executableTarget(name: "chapter01-autoencoder", dependencies: chapterDependencies, swiftSettings: fastMath),
        .executableTarget(name: "chapter02-denoising-autoencoder", dependencies: chapterDependencies, swiftSettings: fastMath),
        .executableTarget(name: "chapter03-gan", dependencies: chapterDependencies, swiftSettings: fastMath),
        .executableTarget(name: "chapter04-celeba-gan", dependencies: chapterDependencies, swiftSettings: fastMath),
        .executableTarget(name: "chapter05-variational-autoencoder", dependencies: chapterDependencies, swiftSettings: fastMath),
        .executableTarget(name: "chapter06-dcgan", dependencies: chapterDependencies, swiftSettings: fastMath),
        .executableTarget(name: "chapter07-wasserstein-gan", dependencies: chapterDependencies, swiftSettings: fastMath),
        .executableTarget(name: "chapter08-diffusion", dependencies: chapterDependencies, swiftSettings: fastMath),

        // Appendix C: a GAN on points of the line and the plane, where D's belief can be drawn everywhere.
        .executableTarget(name: "gan-dynamics", dependencies: chapterDependencies, swiftSettings: fastMath),

        // Appendix A: the digit classifier that scores chapter 3's samples, and its calibration.
        .executableTarget(name: "score-digits", dependencies: chapterDependencies, swiftSettings: fastMath),

        // The book: every chapter woven with its runs, as web pages (output/book/index.html).
        .executableTarget(name: "book", dependencies: chapterDependencies, swiftSettings: fastMath),

        // Compares a run with the committed reference run of its chapter.
        .executableTarget(name: "compare", dependencies: chapterDependencies, swiftSettings: fastMath),

        // The exercises: list them, check them, hand them out (a student edition), grade them.
        .executableTarget(name: "exercises", dependencies: chapterDependencies, swiftSettings: fastMath),

        // Training steps of every chapter and the matmul kernels, timed (appendix B).
        .executableTarget(name: "bench", dependencies: chapterDependencies, swiftSettings: fastMath),

        .testTarget(name: "BackpropTests", dependencies: ["Backprop", "Models"], swiftSettings: fastMath),
        // The checker's own tests: the solutions pass, every known mistake is caught with its hint.
        .testTarget(name: "ExerciseTests", dependencies: ["Exercises", "ExerciseChecker", "Backprop", "exercises"],
                    swiftSettings: fastMath),
        .testTarget(name: "WorkbookTests", dependencies: ["Workbook", "Backprop", "Models"], swiftSettings: fastMath),
        // Runs the chapter programs end to end (so it depends on them: they are built first).
        .testTarget(name: "ChapterTests",
                    dependencies: ["Workbook", "Backprop", "Models", "Exercises", "bench", "chapter01-autoencoder", "chapter02-denoising-autoencoder", "chapter03-gan",
                                   "chapter04-celeba-gan", "chapter05-variational-autoencoder", "chapter06-dcgan",
                                   "chapter07-wasserstein-gan", "chapter08-diffusion", "gan-dynamics", "score-digits", "compare",
                                   "book"]),
    ],
    swiftLanguageModes: [.v5]
)
