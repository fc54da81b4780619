import Media
import Store
import Models
import Torch

/// Turns a video's sampled rows into the model's input: (T, 3, R, R) float32, T = P (rgb, flow) or 2P (rgb+flow).
///
/// Per index s: the RGB frame s as stored, and/or flow field s drawn with the Middlebury colour coding
/// (`FlowColor.image`, by default each field scaled by its own largest motion, as ViMoCLIP does) as an RGB image.
/// Both kinds are then treated as the same uint8 image: /255, resized to R × R when the cache's size differs
/// (bilinear, half-pixel centres, no antialiasing: `F.interpolate` as the zero-shot command does), and
/// normalised with the model's mean/std — so flow images go through exactly the normalisation RGB frames get.
/// rgb+flow interleaves them: [I_s1, F_s1, I_s2, F_s2, …].
///
/// Horizontal flip (an augmentation): frames are mirrored; flow fields are mirrored *and* u is negated before
/// colouring (a leftward motion mirrored is a rightward one), v unchanged. No colour jitter touches flow.
public struct ClipBuilder: Sendable {
    /// Which images each index gives.
    public var modality: Modality
    /// The model's mean/std (ImageNet's for published X-CLIP weights, CLIP's for one built from CLIP).
    public var normalization: ImageNormalization
    /// R: the model's image side.
    public var resolution: Int
    /// How flow vectors are scaled before colouring.
    public var flowColoring: FlowColor.Normalization

    public init(modality: Modality, normalization: ImageNormalization, resolution: Int,
                flowColoring: FlowColor.Normalization = .perFrameMaximum) {
        self.modality = modality
        self.normalization = normalization
        self.resolution = resolution
        self.flowColoring = flowColoring
    }

    /// Images of the clip, in model order, as uint8 RGB (T × H × W × 3 at the cache's size), before resizing
    /// and normalisation. Checks the rows' sizes and that flow values are finite.
    /// `jitter` recolours the RGB frames (training's `ColorJitter` draw for this clip), never the flow images.
    public func images(_ rows: VideoRows, flip: Bool, jitter: ColorJitter.Draw? = nil) throws -> [UInt8] {
        let h = rows.height, w = rows.width, plane = h * w, count = rows.indices.count
        guard count > 0, h > 0, w > 0 else { throw ClipError.badRows(video: rows.video, detail: "no indices or an empty \(w)×\(h) image") }
        if modality.needsFrames, rows.frames.count != count * plane * 3 {
            throw ClipError.badRows(video: rows.video, detail: "\(rows.frames.count) frame bytes for \(count) frames of \(w)×\(h)")
        }
        if modality.needsFlow, rows.flow.count != count * 2 * plane {
            throw ClipError.badRows(video: rows.video, detail: "\(rows.flow.count) flow values for \(count) fields of \(w)×\(h)")
        }
        var out: [UInt8] = []
        out.reserveCapacity(modality.imagesPerIndex * count * plane * 3)
        for k in 0..<count {
            if modality.needsFrames {
                var frame = rows.frames[(k * plane * 3)..<((k + 1) * plane * 3)]
                if let jitter, !jitter.isIdentity {
                    ColorJitter.apply(jitter, to: &frame, pixels: plane)
                }
                if flip { out += Self.mirrored(frame, width: w, height: h, channels: 3) } else { out += frame }
            }
            if modality.needsFlow {
                let base = k * 2 * plane
                let (u, v, bad) = Self.planes(rows.flow, base: base, width: w, height: h, flip: flip)
                guard bad == 0 else { throw ClipError.nonFiniteFlow(video: rows.video, field: rows.indices[k], values: bad) }
                out += FlowColor.image(u: u, v: v, width: w, height: h, normalization: flowColoring)
            }
        }
        return out
    }

    /// The flow field at `base` of `flow` (u plane, then v plane) as float32 planes, mirrored with u negated when
    /// `flip`, and how many of its values are not finite. Widened through Store's table: `Float(half)` is a
    /// compiler-rt call on baseline x86-64 (perf: 5 % of a flow training epoch before).
    private static func planes(_ flow: [Float16], base: Int, width w: Int, height h: Int, flip: Bool) -> (u: [Float], v: [Float], bad: Int) {
        let plane = w * h
        var u = [Float](repeating: 0, count: plane), v = [Float](repeating: 0, count: plane)
        var bad = 0
        flow.withUnsafeBufferPointer { halves in
            halves.withMemoryRebound(to: UInt16.self) { field in
                HalfWidening.table.withUnsafeBufferPointer { table in
                    u.withUnsafeMutableBufferPointer { u in
                        v.withUnsafeMutableBufferPointer { v in
                            for y in 0..<h {
                                let row = base + y * w
                                for x in 0..<w {
                                    let source = row + (flip ? w - 1 - x : x)
                                    let a = table[Int(field[source])], b = table[Int(field[source + plane])]
                                    if !a.isFinite || !b.isFinite { bad += 1 }
                                    u[y * w + x] = flip ? -a : a
                                    v[y * w + x] = b
                                }
                            }
                        }
                    }
                }
            }
        }
        return (u, v, bad)
    }

    /// The clip as the model takes it: (T, 3, R, R) float32 on the CPU.
    public func clip(_ rows: VideoRows, flip: Bool) throws -> Tensor {
        try normalised(images(rows, flip: flip), count: modality.imagesPerIndex * rows.indices.count, height: rows.height, width: rows.width)
    }

    /// Several clips of one video from one read, each frame and flow image made once: `rows` holds every needed
    /// index (each once is enough), `selections[m]` lists clip m's indices (all of the same length T/images per
    /// index). Returns (M, T, 3, R, R), clip m equal to `clip` of rows at `selections[m]`.
    public func clips(_ rows: VideoRows, selections: [[Int]], flip: Bool, jitter: ColorJitter.Draw? = nil) throws -> Tensor {
        guard let length = selections.first?.count, length > 0, selections.allSatisfy({ $0.count == length }) else {
            throw ClipError.badRows(video: rows.video, detail: "selections of lengths \(selections.map(\.count)) (equal and positive expected)")
        }
        let made = try images(rows, flip: flip, jitter: jitter)
        let chunk = modality.imagesPerIndex * rows.height * rows.width * 3
        var slot: [Int: Int] = [:]
        for (k, index) in rows.indices.enumerated() where slot[index] == nil { slot[index] = k }
        var pixels: [UInt8] = []
        pixels.reserveCapacity(selections.count * length * chunk)
        for selection in selections {
            for index in selection {
                guard let k = slot[index] else {
                    throw ClipError.badRows(video: rows.video, detail: "index \(index) was not read (rows hold \(rows.indices))")
                }
                pixels += made[(k * chunk)..<((k + 1) * chunk)]
            }
        }
        let t = modality.imagesPerIndex * length
        return try normalised(pixels, count: selections.count * t, height: rows.height, width: rows.width)
            .reshaped([selections.count, t, 3, resolution, resolution])
    }

    /// uint8 images (count × H × W × 3) → (byte/255 − mean)/std as (count, 3, H, W), then resized to R × R when
    /// needed: (count, 3, R, R). One pass through a per-channel table of the 256 values, in torch's float32 order
    /// of operations (so equal to `(x.float() / 255 - mean) / std` bit for bit); resizing after normalising equals
    /// resizing first up to float rounding (both are affine per channel).
    private func normalised(_ pixels: [UInt8], count: Int, height: Int, width: Int) throws -> Tensor {
        var table = [Float](repeating: 0, count: 3 * 256)
        for c in 0..<3 {
            let mean = Float(normalization.mean[c]), std = Float(normalization.std[c])
            for value in 0..<256 { table[c * 256 + value] = (Float(value) / 255 - mean) / std }
        }
        let plane = height * width
        var values = [Float](repeating: 0, count: count * 3 * plane)
        values.withUnsafeMutableBufferPointer { out in
            pixels.withUnsafeBufferPointer { source in
                table.withUnsafeBufferPointer { table in
                    for n in 0..<count {
                        let image = n * plane * 3, red = n * 3 * plane
                        for p in 0..<plane {
                            let pixel = image + 3 * p
                            out[red + p] = table[Int(source[pixel])]
                            out[red + plane + p] = table[256 + Int(source[pixel + 1])]
                            out[red + 2 * plane + p] = table[512 + Int(source[pixel + 2])]
                        }
                    }
                }
            }
        }
        let x = try Tensor(values, shape: [count, 3, height, width])
        guard height != resolution || width != resolution else { return x }
        return try F.interpolate(x, size: (resolution, resolution)).contiguous()
    }

    /// B clips (each (T, 3, R, R)) as one batch (B, T, 3, R, R).
    public static func batch(_ clips: [Tensor]) throws -> Tensor {
        guard let first = clips.first else { throw TorchError.invalidArgument("ClipBuilder.batch: no clips") }
        guard clips.allSatisfy({ $0.shape == first.shape }) else {
            throw TorchError.invalidArgument("ClipBuilder.batch: clips of shapes \(Set(clips.map(\.shape)).map { "\($0)" }.sorted()) cannot stack")
        }
        return try Tensor.stack(clips, dim: 0)
    }

    /// An H × W × C image mirrored left to right.
    static func mirrored(_ image: ArraySlice<UInt8>, width: Int, height: Int, channels: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: width * height * channels) { out, initialised in
            image.withUnsafeBufferPointer { source in
                for y in 0..<height {
                    let row = y * width * channels
                    for x in 0..<width {
                        let from = row + (width - 1 - x) * channels, to = row + x * channels
                        for c in 0..<channels { out[to + c] = source[from + c] }
                    }
                }
            }
            initialised = width * height * channels
        }
    }
}
