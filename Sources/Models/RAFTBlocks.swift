import Torch

/// Residual block of the large encoders: two 3×3 conv-norm-ReLU, projection when striding.
final class ResidualBlock: Module, UnaryLayer {
    let convnormrelu1: ConvNormActivation
    let convnormrelu2: ConvNormActivation
    let downsample: ConvNormActivation?

    init(_ inChannels: Int, _ outChannels: Int, norm: ConvNormActivation.Norm, stride: Int) throws {
        convnormrelu1 = try ConvNormActivation(inChannels, outChannels, kernel: 3, stride: stride, norm: norm)
        convnormrelu2 = try ConvNormActivation(outChannels, outChannels, kernel: 3, norm: norm)
        downsample = stride == 1 ? nil
            : try ConvNormActivation(inChannels, outChannels, kernel: 1, stride: stride, norm: norm, relu: false)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        let y = try convnormrelu2(convnormrelu1(x))
        return try ((downsample.map { try $0(x) } ?? x) + y).relu()
    }
}

/// Bottleneck block of the small encoders: 1×1 → 3×3 (strided) → 1×1, projection when striding.
final class BottleneckBlock: Module, UnaryLayer {
    let convnormrelu1: ConvNormActivation
    let convnormrelu2: ConvNormActivation
    let convnormrelu3: ConvNormActivation
    let downsample: ConvNormActivation?

    init(_ inChannels: Int, _ outChannels: Int, norm: ConvNormActivation.Norm, stride: Int) throws {
        convnormrelu1 = try ConvNormActivation(inChannels, outChannels / 4, kernel: 1, norm: norm)
        convnormrelu2 = try ConvNormActivation(outChannels / 4, outChannels / 4, kernel: 3, stride: stride, norm: norm)
        convnormrelu3 = try ConvNormActivation(outChannels / 4, outChannels, kernel: 1, norm: norm)
        downsample = stride == 1 ? nil
            : try ConvNormActivation(inChannels, outChannels, kernel: 1, stride: stride, norm: norm, relu: false)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        let y = try convnormrelu3(convnormrelu2(convnormrelu1(x)))
        return try ((downsample.map { try $0(x) } ?? x) + y).relu()
    }
}

/// Feature / context encoder: 7×7 stride-2 stem, three pairs of blocks (strides 1, 2, 2), 1×1 out. Downsamples by 8.
final class FeatureEncoder: Module, UnaryLayer {
    let convnormrelu: ConvNormActivation
    let layer1: Sequential
    let layer2: Sequential
    let layer3: Sequential
    let conv: Conv2d

    init(layers: [Int], bottleneck: Bool, norm: ConvNormActivation.Norm) throws {
        convnormrelu = try ConvNormActivation(3, layers[0], kernel: 7, stride: 2, norm: norm)
        func pair(_ a: Int, _ b: Int, stride: Int) throws -> Sequential {
            bottleneck
                ? Sequential([try BottleneckBlock(a, b, norm: norm, stride: stride), try BottleneckBlock(b, b, norm: norm, stride: 1)])
                : Sequential([try ResidualBlock(a, b, norm: norm, stride: stride), try ResidualBlock(b, b, norm: norm, stride: 1)])
        }
        layer1 = try pair(layers[0], layers[1], stride: 1)
        layer2 = try pair(layers[1], layers[2], stride: 2)
        layer3 = try pair(layers[2], layers[3], stride: 2)
        conv = try Conv2d(layers[3], layers[4], kernel: (1, 1))
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        try conv(layer3(layer2(layer1(convnormrelu(x)))))
    }
}

/// Encodes the current flow and the correlation features (output keeps the raw flow as its last 2 channels).
final class MotionEncoder: Module {
    let convcorr1: ConvNormActivation
    let convcorr2: ConvNormActivation?
    let convflow1: ConvNormActivation
    let convflow2: ConvNormActivation
    let conv: ConvNormActivation

    init(corrChannels: Int, corrLayers: [Int], flowLayers: [Int], out: Int) throws {
        convcorr1 = try ConvNormActivation(corrChannels, corrLayers[0], kernel: 1, norm: .none)
        convcorr2 = corrLayers.count == 2 ? try ConvNormActivation(corrLayers[0], corrLayers[1], kernel: 3, norm: .none) : nil
        convflow1 = try ConvNormActivation(2, flowLayers[0], kernel: 7, norm: .none)
        convflow2 = try ConvNormActivation(flowLayers[0], flowLayers[1], kernel: 3, norm: .none)
        conv = try ConvNormActivation(corrLayers.last! + flowLayers[1], out - 2, kernel: 3, norm: .none)
    }

    func callAsFunction(flow: Tensor, correlation: Tensor) throws -> Tensor {
        var corr = try convcorr1(correlation)
        if let convcorr2 { corr = try convcorr2(corr) }
        let f = try convflow2(convflow1(flow))
        return try Tensor.cat([conv(Tensor.cat([corr, f], dim: 1)), flow], dim: 1)
    }
}

/// Convolutional GRU cell. Its input is [hidden, context, motion]; the context part of each
/// gate's convolution is the same at every update, so `prepare` computes it once per pair
/// and every update convolves only [hidden, motion] (convolution is linear in its input channels).
final class ConvGRU: Module {
    let convz: Conv2d
    let convr: Conv2d
    let convq: Conv2d

    /// Per-pair precomputation: each gate's context term (bias included) and its weights over [hidden, motion].
    struct Prepared {
        var z: Tensor, r: Tensor, q: Tensor
        var wz: Tensor, wr: Tensor, wq: Tensor
    }

    init(input: Int, hidden: Int, kernel: (Int, Int), padding: (Int, Int)) throws {
        convz = try Conv2d(hidden + input, hidden, kernel: kernel, padding: padding)
        convr = try Conv2d(hidden + input, hidden, kernel: kernel, padding: padding)
        convq = try Conv2d(hidden + input, hidden, kernel: kernel, padding: padding)
    }

    func prepare(context: Tensor, hidden: Int) throws -> Prepared {
        let c = context.shape[1]
        func split(_ conv: Conv2d) throws -> (Tensor, Tensor) {
            let w = conv.weight
            let contextWeight = try w.slice(1, hidden, hidden + c).contiguous()
            let rest = try Tensor.cat([w.slice(1, 0, hidden), w.slice(1, hidden + c, w.shape[1])], dim: 1)
            return (try F.conv2d(context, contextWeight, conv.bias, padding: conv.padding), rest)
        }
        let (z, wz) = try split(convz), (r, wr) = try split(convr), (q, wq) = try split(convq)
        return Prepared(z: z, r: r, q: q, wz: wz, wr: wr, wq: wq)
    }

    func callAsFunction(_ h: Tensor, motion: Tensor, _ p: Prepared) throws -> Tensor {
        let hm = try Tensor.cat([h, motion], dim: 1)
        let z = try (F.conv2d(hm, p.wz, padding: convz.padding) + p.z).sigmoid()
        let r = try (F.conv2d(hm, p.wr, padding: convr.padding) + p.r).sigmoid()
        let q = try (F.conv2d(Tensor.cat([r * h, motion], dim: 1), p.wq, padding: convq.padding) + p.q).tanh()
        return try (1 - z) * h + z * q
    }
}

/// One GRU (small) or a separable pair, 1×5 then 5×1 (large).
final class RecurrentBlock: Module {
    let convgru1: ConvGRU
    let convgru2: ConvGRU?

    init(input: Int, hidden: Int, separable: Bool) throws {
        if separable {
            convgru1 = try ConvGRU(input: input, hidden: hidden, kernel: (1, 5), padding: (0, 2))
            convgru2 = try ConvGRU(input: input, hidden: hidden, kernel: (5, 1), padding: (2, 0))
        } else {
            convgru1 = try ConvGRU(input: input, hidden: hidden, kernel: (3, 3), padding: (1, 1))
            convgru2 = nil
        }
    }

    func prepare(context: Tensor, hidden: Int) throws -> [ConvGRU.Prepared] {
        try [convgru1.prepare(context: context, hidden: hidden)] + (convgru2.map { [try $0.prepare(context: context, hidden: hidden)] } ?? [])
    }

    func callAsFunction(_ h: Tensor, motion: Tensor, _ prepared: [ConvGRU.Prepared]) throws -> Tensor {
        let h1 = try convgru1(h, motion: motion, prepared[0])
        return try convgru2.map { try $0(h1, motion: motion, prepared[1]) } ?? h1
    }
}

/// Predicts the flow update from the hidden state.
final class FlowHead: Module {
    let conv1: Conv2d
    let conv2: Conv2d

    init(inChannels: Int, hidden: Int) throws {
        conv1 = try Conv2d(inChannels, hidden, kernel: (3, 3), padding: (1, 1))
        conv2 = try Conv2d(hidden, 2, kernel: (3, 3), padding: (1, 1))
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor { try conv2(conv1(x).relu()) }
}

/// Motion encoder + recurrent unit + flow head.
final class UpdateBlock: Module {
    let motion_encoder: MotionEncoder
    let recurrent_block: RecurrentBlock
    let flow_head: FlowHead

    init(corrChannels: Int, corrLayers: [Int], flowLayers: [Int], motionOut: Int, context: Int, hidden: Int,
         separable: Bool, headHidden: Int) throws {
        motion_encoder = try MotionEncoder(corrChannels: corrChannels, corrLayers: corrLayers, flowLayers: flowLayers, out: motionOut)
        recurrent_block = try RecurrentBlock(input: motionOut + context, hidden: hidden, separable: separable)
        flow_head = try FlowHead(inChannels: hidden, hidden: headHidden)
    }

    /// The context's share of the recurrent convolutions, computed once per pair.
    func prepare(context: Tensor, hidden: Int) throws -> [ConvGRU.Prepared] {
        try recurrent_block.prepare(context: context, hidden: hidden)
    }

    func callAsFunction(hidden: Tensor, prepared: [ConvGRU.Prepared], correlation: Tensor, flow: Tensor) throws -> (Tensor, Tensor) {
        let motion = try motion_encoder(flow: flow, correlation: correlation)
        let h = try recurrent_block(hidden, motion: motion, prepared)
        return (h, try flow_head(h))
    }
}

/// Predicts the 8×8×9 convex-upsampling weights (scaled by 0.25 as the original does).
final class MaskPredictor: Module, UnaryLayer {
    let convrelu: ConvNormActivation
    let conv: Conv2d

    init(inChannels: Int, hidden: Int) throws {
        convrelu = try ConvNormActivation(inChannels, hidden, kernel: 3, norm: .none)
        conv = try Conv2d(hidden, 8 * 8 * 9, kernel: (1, 1))
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor { try conv(convrelu(x)) * 0.25 }
}
