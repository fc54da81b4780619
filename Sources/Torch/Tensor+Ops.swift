import CTorch

// Elementwise arithmetic with broadcasting, as PyTorch does it.
extension Tensor {
    static func binary(_ op: Int32, _ a: Tensor, _ b: Tensor, _ name: String) throws -> Tensor {
        try check(vt_binary(op, a.handle, b.handle), "\(name) of \(a.shape) and \(b.shape)")
    }
    static func scalar(_ op: Int32, _ a: Tensor, _ s: Double, _ name: String) throws -> Tensor {
        try check(vt_binary_scalar(op, a.handle, s), name)
    }
    static func rscalar(_ op: Int32, _ s: Double, _ a: Tensor, _ name: String) throws -> Tensor {
        try check(vt_rscalar(op, s, a.handle), name)
    }

    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try binary(Int32(VT_ADD), a, b, "add") }
    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try binary(Int32(VT_SUB), a, b, "sub") }
    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try binary(Int32(VT_MUL), a, b, "mul") }
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try binary(Int32(VT_DIV), a, b, "div") }
    public static func + (a: Tensor, s: Double) throws -> Tensor { try scalar(Int32(VT_ADD), a, s, "add") }
    public static func - (a: Tensor, s: Double) throws -> Tensor { try scalar(Int32(VT_SUB), a, s, "sub") }
    public static func * (a: Tensor, s: Double) throws -> Tensor { try scalar(Int32(VT_MUL), a, s, "mul") }
    public static func / (a: Tensor, s: Double) throws -> Tensor { try scalar(Int32(VT_DIV), a, s, "div") }
    public static func + (s: Double, a: Tensor) throws -> Tensor { try scalar(Int32(VT_ADD), a, s, "add") }
    public static func - (s: Double, a: Tensor) throws -> Tensor { try rscalar(Int32(VT_SUB), s, a, "sub") }
    public static func * (s: Double, a: Tensor) throws -> Tensor { try scalar(Int32(VT_MUL), a, s, "mul") }
    public static func / (s: Double, a: Tensor) throws -> Tensor { try rscalar(Int32(VT_DIV), s, a, "div") }
    public static prefix func - (a: Tensor) throws -> Tensor { try a.unary(Int32(VT_NEG), "neg") }

    /// Elementwise power.
    public func pow(_ exponent: Double) throws -> Tensor { try Tensor.scalar(Int32(VT_POW), self, exponent, "pow") }
    /// Elementwise power with a tensor exponent.
    public func pow(_ exponent: Tensor) throws -> Tensor { try Tensor.binary(Int32(VT_POW), self, exponent, "pow") }
    public func maximum(_ other: Tensor) throws -> Tensor { try Tensor.binary(Int32(VT_MAXIMUM), self, other, "maximum") }
    public func minimum(_ other: Tensor) throws -> Tensor { try Tensor.binary(Int32(VT_MINIMUM), self, other, "minimum") }
    public func eq(_ other: Tensor) throws -> Tensor { try Tensor.binary(Int32(VT_EQ), self, other, "eq") }
    public func lt(_ other: Tensor) throws -> Tensor { try Tensor.binary(Int32(VT_LT), self, other, "lt") }
    public func gt(_ other: Tensor) throws -> Tensor { try Tensor.binary(Int32(VT_GT), self, other, "gt") }
    public func gt(_ s: Double) throws -> Tensor { try Tensor.scalar(Int32(VT_GT), self, s, "gt") }
    public func lt(_ s: Double) throws -> Tensor { try Tensor.scalar(Int32(VT_LT), self, s, "lt") }
    public func eq(_ s: Double) throws -> Tensor { try Tensor.scalar(Int32(VT_EQ), self, s, "eq") }
    public func logicalAnd(_ other: Tensor) throws -> Tensor { try Tensor.binary(Int32(VT_LOGICAL_AND), self, other, "logical_and") }
    public func logicalOr(_ other: Tensor) throws -> Tensor { try Tensor.binary(Int32(VT_LOGICAL_OR), self, other, "logical_or") }
    public func logicalNot() throws -> Tensor { try unary(Int32(VT_LOGICAL_NOT), "logical_not") }

    /// `condition ? a : b`, elementwise.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        try check(vt_where(condition.handle, a.handle, b.handle), "where")
    }
    /// Values limited to [lower, upper].
    public func clamp(min lower: Double? = nil, max upper: Double? = nil) throws -> Tensor {
        try check(vt_clamp(handle, lower ?? 0, upper ?? 0, lower == nil ? 0 : 1, upper == nil ? 0 : 1), "clamp")
    }
    /// `value` where `mask` is true.
    public func maskedFill(_ mask: Tensor, _ value: Double) throws -> Tensor {
        try check(vt_masked_fill(handle, mask.handle, value), "masked_fill")
    }

    func unary(_ op: Int32, _ name: String) throws -> Tensor { try check(vt_unary(op, handle), name) }
    public func exp() throws -> Tensor { try unary(Int32(VT_EXP), "exp") }
    public func log() throws -> Tensor { try unary(Int32(VT_LOG), "log") }
    public func sqrt() throws -> Tensor { try unary(Int32(VT_SQRT), "sqrt") }
    public func rsqrt() throws -> Tensor { try unary(Int32(VT_RSQRT), "rsqrt") }
    public func abs() throws -> Tensor { try unary(Int32(VT_ABS), "abs") }
    public func square() throws -> Tensor { try unary(Int32(VT_SQUARE), "square") }
    public func sin() throws -> Tensor { try unary(Int32(VT_SIN), "sin") }
    public func cos() throws -> Tensor { try unary(Int32(VT_COS), "cos") }
    public func floor() throws -> Tensor { try unary(Int32(VT_FLOOR), "floor") }
    public func relu() throws -> Tensor { try unary(Int32(VT_RELU), "relu") }
    /// Exact (erf) GELU.
    public func gelu() throws -> Tensor { try unary(Int32(VT_GELU), "gelu") }
    /// tanh-approximated GELU.
    public func geluTanh() throws -> Tensor { try unary(Int32(VT_GELU_TANH), "gelu(tanh)") }
    /// CLIP's QuickGELU: x · σ(1.702 x).
    public func quickGELU() throws -> Tensor { try unary(Int32(VT_QUICK_GELU), "quick_gelu") }
    public func sigmoid() throws -> Tensor { try unary(Int32(VT_SIGMOID), "sigmoid") }
    public func tanh() throws -> Tensor { try unary(Int32(VT_TANH), "tanh") }
    public func silu() throws -> Tensor { try unary(Int32(VT_SILU), "silu") }
}

// Reductions.
extension Tensor {
    func reduce(_ op: Int32, _ dims: [Int], _ keepDims: Bool, _ name: String) throws -> Tensor {
        let d = dims.map(Int64.init)
        return try check(vt_reduce(op, handle, d, Int32(d.count), keepDims ? 1 : 0), "\(name) over \(dims) of \(shape)")
    }
    /// Sum over `dims` (all when empty).
    public func sum(_ dims: [Int] = [], keepDims: Bool = false) throws -> Tensor { try reduce(Int32(VT_SUM), dims, keepDims, "sum") }
    public func mean(_ dims: [Int] = [], keepDims: Bool = false) throws -> Tensor { try reduce(Int32(VT_MEAN), dims, keepDims, "mean") }
    public func max(_ dims: [Int] = [], keepDims: Bool = false) throws -> Tensor { try reduce(Int32(VT_AMAX), dims, keepDims, "amax") }
    public func min(_ dims: [Int] = [], keepDims: Bool = false) throws -> Tensor { try reduce(Int32(VT_AMIN), dims, keepDims, "amin") }
    public func prod(_ dims: [Int] = [], keepDims: Bool = false) throws -> Tensor { try reduce(Int32(VT_PROD), dims, keepDims, "prod") }
    /// Population variance (divides by N).
    public func variance(_ dims: [Int] = [], keepDims: Bool = false) throws -> Tensor { try reduce(Int32(VT_VAR), dims, keepDims, "var") }
    /// Population standard deviation.
    public func std(_ dims: [Int] = [], keepDims: Bool = false) throws -> Tensor { try reduce(Int32(VT_STD), dims, keepDims, "std") }
    public func logSumExp(_ dims: [Int], keepDims: Bool = false) throws -> Tensor { try reduce(Int32(VT_LOGSUMEXP), dims, keepDims, "logsumexp") }
    /// Euclidean norm over `dims`.
    public func norm(_ dims: [Int] = [], keepDims: Bool = false) throws -> Tensor { try reduce(Int32(VT_NORM), dims, keepDims, "norm") }
    public func argmax(_ dim: Int, keepDims: Bool = false) throws -> Tensor {
        try check(vt_argmax(handle, Int64(dim), keepDims ? 1 : 0), "argmax")
    }
    public func cumsum(_ dim: Int) throws -> Tensor { try check(vt_cumsum(handle, Int64(dim)), "cumsum") }
    /// The k largest values along `dim` and their indices.
    public func topK(_ k: Int, dim: Int = -1) throws -> (values: Tensor, indices: Tensor) {
        var indices: vt_tensor?
        let values = try check(vt_topk(handle, Int64(k), Int64(dim), &indices), "topk")
        return (values, Tensor(handle: indices!))
    }
}

// Shapes, views and indexing.
extension Tensor {
    public func reshaped(_ shape: [Int]) throws -> Tensor {
        let d = shape.map(Int64.init)
        return try check(vt_reshape(handle, d, Int32(d.count)), "reshape \(self.shape) to \(shape)")
    }
    /// A view (no copy); fails when the memory layout does not allow it.
    public func view(_ shape: [Int]) throws -> Tensor {
        let d = shape.map(Int64.init)
        return try check(vt_view(handle, d, Int32(d.count)), "view \(self.shape) as \(shape)")
    }
    public func permuted(_ dims: [Int]) throws -> Tensor {
        let d = dims.map(Int64.init)
        return try check(vt_permute(handle, d, Int32(d.count)), "permute \(shape) by \(dims)")
    }
    public func transposed(_ a: Int, _ b: Int) throws -> Tensor { try check(vt_transpose(handle, Int64(a), Int64(b)), "transpose") }
    public func expanded(_ shape: [Int]) throws -> Tensor {
        let d = shape.map(Int64.init)
        return try check(vt_expand(handle, d, Int32(d.count)), "expand \(self.shape) to \(shape)")
    }
    public func unsqueezed(_ dim: Int) throws -> Tensor { try check(vt_unsqueeze(handle, Int64(dim)), "unsqueeze") }
    public func squeezed(_ dim: Int) throws -> Tensor { try check(vt_squeeze(handle, Int64(dim)), "squeeze") }
    public func flattened(from start: Int = 0, to end: Int = -1) throws -> Tensor {
        try check(vt_flatten(handle, Int64(start), Int64(end)), "flatten")
    }
    /// Elements `start..<end` (stepping by `step`) along `dim`, as a view.
    public func slice(_ dim: Int, _ start: Int, _ end: Int, step: Int = 1) throws -> Tensor {
        try check(vt_slice(handle, Int64(dim), Int64(start), Int64(end), Int64(step)), "slice dim \(dim) \(start)..<\(end) of \(shape)")
    }
    /// Index `index` of `dim`, removing that dimension.
    public func select(_ dim: Int, _ index: Int) throws -> Tensor {
        try check(vt_select(handle, Int64(dim), Int64(index)), "select index \(index) of dim \(dim) of \(shape)")
    }
    /// `self[i]` along the first dimension.
    public func at(_ index: Int) throws -> Tensor { try select(0, index) }
    public func indexSelect(_ dim: Int, _ index: Tensor) throws -> Tensor {
        try check(vt_index_select(handle, Int64(dim), index.handle), "index_select")
    }
    public func gather(_ dim: Int, _ index: Tensor) throws -> Tensor { try check(vt_gather(handle, Int64(dim), index.handle), "gather") }
    public func repeated(_ repeats: [Int]) throws -> Tensor {
        let r = repeats.map(Int64.init)
        return try check(vt_repeat(handle, r, Int32(r.count)), "repeat")
    }
    /// How `padded` fills the border.
    public enum PaddingMode: Int32 { case constant = 0, replicate = 1, reflect = 2 }
    /// Padding in `F.pad` order: (last dim left, last dim right, previous dim left, …).
    /// Replicate and reflect pad the last two dimensions of a 3-D or 4-D tensor.
    public func padded(_ pad: [Int], mode: PaddingMode = .constant, value: Double = 0) throws -> Tensor {
        let p = pad.map(Int64.init)
        return try check(vt_pad(handle, p, Int32(p.count), mode.rawValue, value), "pad")
    }
    /// Tensors joined along an existing dimension.
    public static func cat(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        let handles: [vt_tensor?] = tensors.map(\.handle)
        return try check(vt_cat(handles, Int32(handles.count), Int64(dim)), "cat of \(tensors.map(\.shape))")
    }
    /// Tensors joined along a new dimension.
    public static func stack(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        let handles: [vt_tensor?] = tensors.map(\.handle)
        return try check(vt_stack(handles, Int32(handles.count), Int64(dim)), "stack of \(tensors.map(\.shape))")
    }
}
