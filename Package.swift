// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "lkk",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lkk", targets: ["lkk"])
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
    ],
    targets: [
        .target(name: "PortalDomain"),
        .target(name: "Markup"),
        .target(name: "XLSX", dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .target(
            name: "PDF", dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")],
            resources: [.copy("Resources")]),
        .target(name: "Documents", dependencies: ["PDF", "PortalDomain"]),
        .target(name: "QRCode"),
        .executableTarget(name: "pdf-bench", dependencies: ["Documents"], path: "Tests/bench/pdf-bench"),
        .executableTarget(name: "xlsx-bench", dependencies: ["XLSX"], path: "Tests/bench/xlsx-bench"),
        .target(
            name: "Mail",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .target(
            name: "App",
            dependencies: [
                "PortalDomain", "Markup", "Mail", "XLSX", "PDF", "Documents", "QRCode",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
            ],
            resources: [.copy("Public"), .copy("Resources")]
        ),
        .executableTarget(
            name: "lkk",
            dependencies: [
                "App", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .testTarget(name: "PortalDomainTests", dependencies: ["PortalDomain"]),
        .testTarget(name: "MarkupTests", dependencies: ["Markup"]),
        .testTarget(name: "XLSXTests", dependencies: ["XLSX", "TestTools"], exclude: ["helper.py"]),
        .target(name: "TestTools", path: "Tests/TestTools"),
        .testTarget(name: "PDFTests", dependencies: ["PDF", "TestTools"]),
        .testTarget(name: "DocumentsTests", dependencies: ["Documents", "TestTools"]),
        .testTarget(name: "QRCodeTests", dependencies: ["QRCode", "TestTools"]),
        .testTarget(name: "MailTests", dependencies: ["Mail"]),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "App",
                .product(name: "VaporTesting", package: "vapor"),
            ]
        ),
    ]
)
