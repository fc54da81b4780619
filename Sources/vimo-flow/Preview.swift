import ArgumentParser
import Foundation
import Media
import Store

/// `vimo-flow preview`: colour-coded flow of one item as a video or an image.
struct Preview: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the colour-coded flow of one item (Middlebury wheel, as torchvision's flow_to_image) to .mp4 or .png.")

    @Argument(help: "The item (video id).")
    var item: String

    @Option(name: .long, help: ArgumentHelp("Folder of flow shards (vimo-flow --out).", valueName: "dir"))
    var flow: String

    @Option(name: .long, help: ArgumentHelp("Output file: .mp4 (every field) or .png (one field).", valueName: "file"))
    var out: String

    @Option(name: .long, help: "For .png: which field (0-based; default the middle one).")
    var field: Int?

    @Option(name: .long, help: "Normalise every field by this magnitude instead of its own maximum (steadier videos).")
    var maxMagnitude: Float?

    mutating func validate() throws {
        guard out.hasSuffix(".mp4") || out.hasSuffix(".png") else { throw ValidationError("--out must end in .mp4 or .png") }
    }

    func run() throws {
        let index = try ShardIndex.build(directory: URL(fileURLWithPath: flow))
        guard let entry = index[item] else {
            throw ValidationError("\(item) is not in \(flow) (it holds \(index.items.count) items)")
        }
        let reader = try ShardReader(url: entry.shard)
        guard case .flow(let height, let width) = reader.payload else { throw ValidationError("\(entry.shard.path) holds no flow") }
        guard !entry.rows.isEmpty else { throw ValidationError("\(item) has no flow fields (a one-frame video)") }
        let values = try reader.readFlow(rows: entry.rows)
        let plane = height * width
        func image(_ k: Int) -> [UInt8] {
            let base = k * 2 * plane
            return FlowColor.image(u: Array(values[base..<(base + plane)]), v: Array(values[(base + plane)..<(base + 2 * plane)]),
                                   width: width, height: height,
                                   normalization: maxMagnitude.map { .fixed($0) } ?? .perFrameMaximum)
        }
        let url = URL(fileURLWithPath: out)
        if out.hasSuffix(".png") {
            let k = field ?? entry.rows.count / 2
            guard (0..<entry.rows.count).contains(k) else { throw ValidationError("--field must be in 0..<\(entry.rows.count)") }
            try writeVideo([image(k)], width: width, height: height, to: url, options: EncodeOptions(codec: .png))
        } else {
            try writeVideo((0..<entry.rows.count).map(image), width: width, height: height, to: url,
                           options: EncodeOptions(fps: 25, maxBFrames: 0))
        }
        print("wrote \(url.path)")
    }
}
