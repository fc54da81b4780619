// The only C++ in vimo besides the OpenCV shim: libtorch behind a flat C API.
// Every entry point converts C++ exceptions into a NULL / -1 return and a
// per-thread message, so nothing is ever thrown into Swift.
#include "ctorch.h"

#include <torch/torch.h>
#include <ATen/autocast_mode.h>

#include <cstring>
#include <limits>
#include <string>
#include <vector>

struct vt_tensor_s { at::Tensor t; };
struct vt_optimizer_s { std::unique_ptr<torch::optim::Optimizer> o; };

namespace {
thread_local std::string last_error;

vt_tensor wrap(at::Tensor t) { return new vt_tensor_s{std::move(t)}; }

at::ScalarType scalar_type(int dtype) {
    switch (dtype) {
    case VT_F32: return at::kFloat;
    case VT_F64: return at::kDouble;
    case VT_F16: return at::kHalf;
    case VT_BF16: return at::kBFloat16;
    case VT_I64: return at::kLong;
    case VT_I32: return at::kInt;
    case VT_U8: return at::kByte;
    case VT_BOOL: return at::kBool;
    case VT_I8: return at::kChar;
    case VT_I16: return at::kShort;
    }
    throw std::invalid_argument("unknown dtype code " + std::to_string(dtype));
}

int dtype_code(at::ScalarType s) {
    switch (s) {
    case at::kFloat: return VT_F32;
    case at::kDouble: return VT_F64;
    case at::kHalf: return VT_F16;
    case at::kBFloat16: return VT_BF16;
    case at::kLong: return VT_I64;
    case at::kInt: return VT_I32;
    case at::kByte: return VT_U8;
    case at::kBool: return VT_BOOL;
    case at::kChar: return VT_I8;
    case at::kShort: return VT_I16;
    default: return -1;
    }
}

at::Device device_of(int device, int index) {
    return device == VT_CUDA ? at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index)) : at::Device(at::kCPU);
}

at::IntArrayRef dims(const int64_t *p, int n) { return at::IntArrayRef(p, static_cast<size_t>(n)); }

c10::optional<at::Tensor> optional(vt_tensor t) {
    return t ? c10::optional<at::Tensor>(t->t) : c10::nullopt;
}

at::Tensor undefined_or(vt_tensor t) { return t ? t->t : at::Tensor(); }

template <typename F> auto guarded(F &&f, decltype(f()) failure) -> decltype(f()) {
    try {
        return f();
    } catch (const c10::Error &e) {
        last_error = e.what_without_backtrace();
    } catch (const std::exception &e) {
        last_error = e.what();
    } catch (...) {
        last_error = "unknown C++ exception";
    }
    return failure;
}

template <typename F> vt_tensor tensor_call(F &&f) {
    return guarded([&]() -> vt_tensor { return wrap(f()); }, nullptr);
}

template <typename F> int status_call(F &&f) {
    return guarded([&]() -> int { f(); return 0; }, -1);
}

at::Tensor binary(int op, const at::Tensor &a, const at::Tensor &b) {
    switch (op) {
    case VT_ADD: return a + b;
    case VT_SUB: return a - b;
    case VT_MUL: return a * b;
    case VT_DIV: return a / b;
    case VT_POW: return at::pow(a, b);
    case VT_MAXIMUM: return at::maximum(a, b);
    case VT_MINIMUM: return at::minimum(a, b);
    case VT_EQ: return a.eq(b);
    case VT_NE: return a.ne(b);
    case VT_LT: return a.lt(b);
    case VT_LE: return a.le(b);
    case VT_GT: return a.gt(b);
    case VT_GE: return a.ge(b);
    case VT_LOGICAL_AND: return at::logical_and(a, b);
    case VT_LOGICAL_OR: return at::logical_or(a, b);
    }
    throw std::invalid_argument("unknown binary op " + std::to_string(op));
}

at::Tensor scalar_like(double s, const at::Tensor &a) { return at::scalar_tensor(s, a.options()); }
}  // namespace

extern "C" {

const char *vt_last_error(void) { return last_error.c_str(); }

int vt_set_num_threads(int n) { return status_call([&] { at::set_num_threads(n); }); }
int vt_get_num_threads(void) { return guarded([] { return at::get_num_threads(); }, -1); }
int vt_manual_seed(uint64_t seed) { return status_call([&] { torch::manual_seed(seed); }); }
int vt_cuda_device_count(void) { return guarded([] { return static_cast<int>(torch::cuda::device_count()); }, 0); }
int vt_set_grad_enabled(int enabled) {
    return guarded([&] {
        int previous = at::GradMode::is_enabled() ? 1 : 0;
        at::GradMode::set_enabled(enabled != 0);
        return previous;
    }, -1);
}
int vt_set_autocast(int cuda, int enabled, int dtype) {
    return guarded([&] {
        bool previous = cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
        if (enabled) {
            if (cuda) at::autocast::set_autocast_gpu_dtype(scalar_type(dtype)); else at::autocast::set_autocast_cpu_dtype(scalar_type(dtype));
            if (!previous) at::autocast::increment_nesting();
        }
        if (cuda) at::autocast::set_enabled(enabled != 0); else at::autocast::set_cpu_enabled(enabled != 0);
        if (!enabled && previous && at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
        return previous ? 1 : 0;
    }, -1);
}
int vt_version(char *buffer, size_t size) {
    return status_call([&] { std::snprintf(buffer, size, "%s", TORCH_VERSION); });
}

void vt_free(vt_tensor t) { delete t; }
int vt_ndim(vt_tensor t) { return guarded([&] { return static_cast<int>(t->t.dim()); }, -1); }
int vt_shape(vt_tensor t, int64_t *out) {
    return status_call([&] { for (int64_t i = 0; i < t->t.dim(); i++) out[i] = t->t.size(i); });
}
int vt_dtype(vt_tensor t) { return guarded([&] { return dtype_code(t->t.scalar_type()); }, -1); }
int vt_device(vt_tensor t, int *index) {
    return guarded([&] {
        *index = t->t.device().has_index() ? t->t.device().index() : 0;
        return t->t.device().is_cuda() ? static_cast<int>(VT_CUDA) : static_cast<int>(VT_CPU);
    }, -1);
}
int64_t vt_numel(vt_tensor t) { return guarded([&] { return static_cast<int64_t>(t->t.numel()); }, int64_t(-1)); }

vt_tensor vt_from_data(const void *data, const int64_t *shape, int ndim, int dtype) {
    return tensor_call([&] {
        auto options = at::TensorOptions().dtype(scalar_type(dtype));
        return at::from_blob(const_cast<void *>(data), dims(shape, ndim), options).clone();
    });
}
int vt_copy_out(vt_tensor t, void *dst, size_t bytes) {
    return status_call([&] {
        at::Tensor c = t->t.detach().to(at::kCPU).contiguous();
        if (static_cast<size_t>(c.nbytes()) != bytes)
            throw std::invalid_argument("copy_out: tensor has " + std::to_string(c.nbytes()) + " bytes, buffer " +
                                        std::to_string(bytes));
        std::memcpy(dst, c.data_ptr(), bytes);
    });
}
vt_tensor vt_full(const int64_t *shape, int ndim, double value, int dtype, int device, int index) {
    return tensor_call([&] {
        return at::full(dims(shape, ndim), value, at::TensorOptions().dtype(scalar_type(dtype)).device(device_of(device, index)));
    });
}
vt_tensor vt_rand(const int64_t *shape, int ndim, int normal, int dtype, int device, int index) {
    return tensor_call([&] {
        auto o = at::TensorOptions().dtype(scalar_type(dtype)).device(device_of(device, index));
        return normal ? at::randn(dims(shape, ndim), o) : at::rand(dims(shape, ndim), o);
    });
}
vt_tensor vt_arange(double start, double end, double step, int dtype) {
    return tensor_call([&] { return at::arange(start, end, step, at::TensorOptions().dtype(scalar_type(dtype))); });
}
vt_tensor vt_to(vt_tensor t, int dtype, int device, int index) {
    return tensor_call([&] {
        auto s = dtype < 0 ? t->t.scalar_type() : scalar_type(dtype);
        return t->t.to(device_of(device, index), s);
    });
}
vt_tensor vt_clone(vt_tensor t) { return tensor_call([&] { return t->t.clone(); }); }
vt_tensor vt_contiguous(vt_tensor t) { return tensor_call([&] { return t->t.contiguous(); }); }
double vt_item(vt_tensor t, int *ok) {
    *ok = 0;
    return guarded([&] { double v = t->t.item<double>(); *ok = 1; return v; }, std::numeric_limits<double>::quiet_NaN());
}

vt_tensor vt_unary(int op, vt_tensor a) {
    return tensor_call([&]() -> at::Tensor {
        const at::Tensor &x = a->t;
        switch (op) {
        case VT_NEG: return -x;
        case VT_EXP: return x.exp();
        case VT_LOG: return x.log();
        case VT_SQRT: return x.sqrt();
        case VT_RSQRT: return x.rsqrt();
        case VT_ABS: return x.abs();
        case VT_RELU: return at::relu(x);
        case VT_GELU: return at::gelu(x);
        case VT_GELU_TANH: return at::gelu(x, "tanh");
        case VT_SIGMOID: return x.sigmoid();
        case VT_TANH: return x.tanh();
        case VT_QUICK_GELU: return x * at::sigmoid(1.702 * x);
        case VT_SIN: return x.sin();
        case VT_COS: return x.cos();
        case VT_FLOOR: return x.floor();
        case VT_SQUARE: return x * x;
        case VT_SILU: return at::silu(x);
        case VT_LOGICAL_NOT: return x.logical_not();
        }
        throw std::invalid_argument("unknown unary op " + std::to_string(op));
    });
}
vt_tensor vt_binary(int op, vt_tensor a, vt_tensor b) { return tensor_call([&] { return binary(op, a->t, b->t); }); }
vt_tensor vt_binary_scalar(int op, vt_tensor a, double s) {
    return tensor_call([&] { return binary(op, a->t, scalar_like(s, a->t)); });
}
vt_tensor vt_rscalar(int op, double s, vt_tensor a) {
    return tensor_call([&] { return binary(op, scalar_like(s, a->t), a->t); });
}
vt_tensor vt_where(vt_tensor cond, vt_tensor a, vt_tensor b) {
    return tensor_call([&] { return at::where(cond->t, a->t, b->t); });
}
vt_tensor vt_clamp(vt_tensor a, double lo, double hi, int has_lo, int has_hi) {
    return tensor_call([&] {
        return at::clamp(a->t, has_lo ? c10::optional<at::Scalar>(lo) : c10::nullopt,
                         has_hi ? c10::optional<at::Scalar>(hi) : c10::nullopt);
    });
}
vt_tensor vt_masked_fill(vt_tensor a, vt_tensor mask, double value) {
    return tensor_call([&] { return a->t.masked_fill(mask->t, value); });
}

vt_tensor vt_reduce(int op, vt_tensor a, const int64_t *d, int nd, int keepdim) {
    return tensor_call([&]() -> at::Tensor {
        const at::Tensor &x = a->t;
        bool all = nd == 0;
        std::vector<int64_t> every;
        if (all) for (int64_t i = 0; i < x.dim(); i++) every.push_back(i);
        at::IntArrayRef r = all ? at::IntArrayRef(every) : dims(d, nd);
        bool k = keepdim != 0;
        switch (op) {
        case VT_SUM: return all && !k ? x.sum() : x.sum(r, k);
        case VT_MEAN: return all && !k ? x.mean() : x.mean(r, k);
        case VT_AMAX: return x.amax(r, k);
        case VT_AMIN: return x.amin(r, k);
        case VT_PROD:
            if (all && !k) return x.prod();
            if (r.size() != 1) throw std::invalid_argument("prod reduces over one dimension at a time");
            return x.prod(r[0], k);
        case VT_VAR: return at::var(x, r, /*unbiased=*/false, k);
        case VT_STD: return at::std(x, r, /*unbiased=*/false, k);
        case VT_LOGSUMEXP: return at::logsumexp(x, r, k);
        case VT_NORM: return at::linalg_vector_norm(x, 2, r, k);
        }
        throw std::invalid_argument("unknown reduction " + std::to_string(op));
    });
}
vt_tensor vt_argmax(vt_tensor a, int64_t dim, int keepdim) {
    return tensor_call([&] { return at::argmax(a->t, dim, keepdim != 0); });
}
vt_tensor vt_cumsum(vt_tensor a, int64_t dim) { return tensor_call([&] { return at::cumsum(a->t, dim); }); }
vt_tensor vt_topk(vt_tensor a, int64_t k, int64_t dim, vt_tensor *indices) {
    return tensor_call([&] {
        auto result = at::topk(a->t, k, dim);
        *indices = wrap(std::get<1>(result));
        return std::get<0>(result);
    });
}

vt_tensor vt_reshape(vt_tensor a, const int64_t *s, int n) { return tensor_call([&] { return a->t.reshape(dims(s, n)); }); }
vt_tensor vt_view(vt_tensor a, const int64_t *s, int n) { return tensor_call([&] { return a->t.view(dims(s, n)); }); }
vt_tensor vt_permute(vt_tensor a, const int64_t *d, int n) { return tensor_call([&] { return a->t.permute(dims(d, n)); }); }
vt_tensor vt_transpose(vt_tensor a, int64_t d0, int64_t d1) { return tensor_call([&] { return a->t.transpose(d0, d1); }); }
vt_tensor vt_expand(vt_tensor a, const int64_t *s, int n) { return tensor_call([&] { return a->t.expand(dims(s, n)); }); }
vt_tensor vt_unsqueeze(vt_tensor a, int64_t d) { return tensor_call([&] { return a->t.unsqueeze(d); }); }
vt_tensor vt_squeeze(vt_tensor a, int64_t d) { return tensor_call([&] { return a->t.squeeze(d); }); }
vt_tensor vt_flatten(vt_tensor a, int64_t s, int64_t e) { return tensor_call([&] { return a->t.flatten(s, e); }); }
vt_tensor vt_slice(vt_tensor a, int64_t dim, int64_t start, int64_t end, int64_t step) {
    return tensor_call([&] { return a->t.slice(dim, start, end, step); });
}
vt_tensor vt_select(vt_tensor a, int64_t dim, int64_t index) { return tensor_call([&] { return a->t.select(dim, index); }); }
vt_tensor vt_index_select(vt_tensor a, int64_t dim, vt_tensor index) {
    return tensor_call([&] { return a->t.index_select(dim, index->t); });
}
vt_tensor vt_gather(vt_tensor a, int64_t dim, vt_tensor index) { return tensor_call([&] { return a->t.gather(dim, index->t); }); }
static std::vector<at::Tensor> tensors(const vt_tensor *list, int n) {
    std::vector<at::Tensor> v;
    v.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; i++) v.push_back(list[i]->t);
    return v;
}
vt_tensor vt_cat(const vt_tensor *list, int n, int64_t dim) { return tensor_call([&] { return at::cat(tensors(list, n), dim); }); }
vt_tensor vt_stack(const vt_tensor *list, int n, int64_t dim) { return tensor_call([&] { return at::stack(tensors(list, n), dim); }); }
vt_tensor vt_repeat(vt_tensor a, const int64_t *r, int n) { return tensor_call([&] { return a->t.repeat(dims(r, n)); }); }
vt_tensor vt_pad(vt_tensor a, const int64_t *p, int n, int mode, double value) {
    return tensor_call([&]() -> at::Tensor {
        switch (mode) {
        case 0: return at::constant_pad_nd(a->t, dims(p, n), value);
        case 1: return at::replication_pad2d(a->t, dims(p, n));
        case 2: return at::reflection_pad2d(a->t, dims(p, n));
        }
        throw std::invalid_argument("unknown padding mode " + std::to_string(mode));
    });
}

vt_tensor vt_matmul(vt_tensor a, vt_tensor b) { return tensor_call([&] { return at::matmul(a->t, b->t); }); }
vt_tensor vt_linear(vt_tensor x, vt_tensor w, vt_tensor b) {
    return tensor_call([&] { return at::linear(x->t, w->t, optional(b)); });
}
vt_tensor vt_conv2d(vt_tensor x, vt_tensor w, vt_tensor b, const int64_t *stride, const int64_t *padding,
                    const int64_t *dilation, int64_t groups) {
    return tensor_call([&] {
        return at::conv2d(x->t, w->t, optional(b), dims(stride, 2), dims(padding, 2), dims(dilation, 2), groups);
    });
}
vt_tensor vt_avg_pool2d(vt_tensor x, const int64_t *kernel, const int64_t *stride, const int64_t *padding, int ceil_mode,
                        int count_include_pad) {
    return tensor_call([&] {
        return at::avg_pool2d(x->t, dims(kernel, 2), dims(stride, 2), dims(padding, 2), ceil_mode != 0, count_include_pad != 0);
    });
}
vt_tensor vt_max_pool2d(vt_tensor x, const int64_t *kernel, const int64_t *stride, const int64_t *padding) {
    return tensor_call([&] { return at::max_pool2d(x->t, dims(kernel, 2), dims(stride, 2), dims(padding, 2)); });
}
vt_tensor vt_softmax(vt_tensor a, int64_t dim) { return tensor_call([&] { return at::softmax(a->t, dim); }); }
vt_tensor vt_log_softmax(vt_tensor a, int64_t dim) { return tensor_call([&] { return at::log_softmax(a->t, dim); }); }
vt_tensor vt_layer_norm(vt_tensor x, const int64_t *shape, int ndim, vt_tensor w, vt_tensor b, double eps) {
    return tensor_call([&] { return at::layer_norm(x->t, dims(shape, ndim), optional(w), optional(b), eps); });
}
vt_tensor vt_group_norm(vt_tensor x, int64_t groups, vt_tensor w, vt_tensor b, double eps) {
    return tensor_call([&] { return at::group_norm(x->t, groups, optional(w), optional(b), eps); });
}
vt_tensor vt_batch_norm(vt_tensor x, vt_tensor w, vt_tensor b, vt_tensor rm, vt_tensor rv, int training, double momentum,
                        double eps) {
    return tensor_call([&] {
        return at::batch_norm(x->t, optional(w), optional(b), optional(rm), optional(rv), training != 0, momentum, eps, false);
    });
}
vt_tensor vt_instance_norm(vt_tensor x, vt_tensor w, vt_tensor b, double eps) {
    return tensor_call([&] {
        return at::instance_norm(x->t, optional(w), optional(b), c10::nullopt, c10::nullopt, true, 0.1, eps, false);
    });
}
vt_tensor vt_dropout(vt_tensor x, double p, int training) { return tensor_call([&] { return at::dropout(x->t, p, training != 0); }); }
vt_tensor vt_embedding(vt_tensor weight, vt_tensor indices) { return tensor_call([&] { return at::embedding(weight->t, indices->t); }); }
vt_tensor vt_attention(vt_tensor q, vt_tensor k, vt_tensor v, vt_tensor mask, double dropout, int causal, double scale) {
    return tensor_call([&] {
        at::Tensor scores = at::matmul(q->t, k->t.transpose(-2, -1)) * scale;
        const double neg_inf = -std::numeric_limits<double>::infinity();
        if (causal) {
            auto L = scores.size(-2), S = scores.size(-1);
            auto future = at::ones({L, S}, scores.options().dtype(at::kBool)).triu(1);
            scores = scores.masked_fill(future, neg_inf);
        }
        if (mask) {
            if (mask->t.scalar_type() == at::kBool) scores = scores.masked_fill(mask->t.logical_not(), neg_inf);
            else scores = scores + mask->t;
        }
        at::Tensor weights = at::softmax(scores, -1);
        if (dropout > 0) weights = at::dropout(weights, dropout, true);
        return at::matmul(weights, v->t);
    });
}
vt_tensor vt_grid_sample(vt_tensor x, vt_tensor grid, int mode, int padding, int align_corners) {
    return tensor_call([&] { return at::grid_sampler(x->t, grid->t, mode, padding, align_corners != 0); });
}
vt_tensor vt_interpolate(vt_tensor x, int64_t h, int64_t w, int mode, int align_corners) {
    return tensor_call([&] {
        std::vector<int64_t> size{h, w};
        return mode == 0 ? at::upsample_bilinear2d(x->t, size, align_corners != 0)
                         : at::upsample_nearest2d(x->t, size);
    });
}
vt_tensor vt_unfold(vt_tensor x, const int64_t *kernel, const int64_t *dilation, const int64_t *padding, const int64_t *stride) {
    return tensor_call([&] { return at::im2col(x->t, dims(kernel, 2), dims(dilation, 2), dims(padding, 2), dims(stride, 2)); });
}

vt_tensor vt_bce_with_logits(vt_tensor x, vt_tensor y, vt_tensor weight, vt_tensor pos_weight, int reduction) {
    return tensor_call([&] { return at::binary_cross_entropy_with_logits(x->t, y->t, optional(weight), optional(pos_weight), reduction); });
}
vt_tensor vt_mse(vt_tensor x, vt_tensor y, int reduction) { return tensor_call([&] { return at::mse_loss(x->t, y->t, reduction); }); }
vt_tensor vt_cross_entropy(vt_tensor logits, vt_tensor target, int reduction) {
    return tensor_call([&] { return at::cross_entropy_loss(logits->t, target->t, {}, reduction); });
}
vt_tensor vt_cosine_similarity(vt_tensor a, vt_tensor b, int64_t dim, double eps) {
    return tensor_call([&] { return at::cosine_similarity(a->t, b->t, dim, eps); });
}

int vt_set_requires_grad(vt_tensor t, int requires) { return status_call([&] { t->t.set_requires_grad(requires != 0); }); }
int vt_requires_grad(vt_tensor t) { return guarded([&] { return t->t.requires_grad() ? 1 : 0; }, -1); }
int vt_backward(vt_tensor t, vt_tensor gradient, int retain_graph) {
    return status_call([&] { t->t.backward(undefined_or(gradient), retain_graph != 0); });
}
vt_tensor vt_grad(vt_tensor t) {
    return guarded([&]() -> vt_tensor {
        last_error.clear();
        const at::Tensor &g = t->t.grad();
        return g.defined() ? wrap(g) : nullptr;
    }, nullptr);
}
int vt_zero_grad(vt_tensor t) { return status_call([&] { t->t.mutable_grad() = at::Tensor(); }); }
vt_tensor vt_detach(vt_tensor t) { return tensor_call([&] { return t->t.detach(); }); }
int vt_assign(vt_tensor dst, vt_tensor src) {
    return status_call([&] {
        at::NoGradGuard guard;
        dst->t.copy_(src->t);
    });
}
int vt_set_data(vt_tensor dst, vt_tensor src) {
    return status_call([&] {
        bool requires = dst->t.requires_grad();
        dst->t.set_data(src->t.detach());
        if (dst->t.is_leaf()) dst->t.set_requires_grad(requires);
    });
}
double vt_clip_grad_norm(const vt_tensor *params, int n, double max_norm) {
    return guarded([&] { return torch::nn::utils::clip_grad_norm_(tensors(params, n), max_norm); }, -1.0);
}

vt_optimizer vt_sgd_new(const vt_tensor *params, int n, double lr, double momentum, double weight_decay, int nesterov) {
    return guarded([&]() -> vt_optimizer {
        auto options = torch::optim::SGDOptions(lr).momentum(momentum).weight_decay(weight_decay).nesterov(nesterov != 0);
        return new vt_optimizer_s{std::make_unique<torch::optim::SGD>(tensors(params, n), options)};
    }, nullptr);
}
vt_optimizer vt_adam_new(const vt_tensor *params, int n, double lr, double beta1, double beta2, double eps,
                         double weight_decay, int decoupled) {
    return guarded([&]() -> vt_optimizer {
        if (decoupled) {
            auto options = torch::optim::AdamWOptions(lr).betas({beta1, beta2}).eps(eps).weight_decay(weight_decay);
            return new vt_optimizer_s{std::make_unique<torch::optim::AdamW>(tensors(params, n), options)};
        }
        auto options = torch::optim::AdamOptions(lr).betas({beta1, beta2}).eps(eps).weight_decay(weight_decay);
        return new vt_optimizer_s{std::make_unique<torch::optim::Adam>(tensors(params, n), options)};
    }, nullptr);
}
vt_optimizer vt_adamw_groups_new(const vt_tensor *params, const int *groups, int n, int ngroups, const double *lr,
                                 const double *weight_decay, double beta1, double beta2, double eps) {
    return guarded([&]() -> vt_optimizer {
        std::vector<std::vector<at::Tensor>> members(ngroups);
        for (int i = 0; i < n; ++i) {
            if (groups[i] < 0 || groups[i] >= ngroups) throw std::invalid_argument("parameter group out of range");
            members[groups[i]].push_back(params[i]->t);
        }
        std::vector<torch::optim::OptimizerParamGroup> list;
        for (int g = 0; g < ngroups; ++g) {
            auto options = std::make_unique<torch::optim::AdamWOptions>(lr[g]);
            options->betas({beta1, beta2}).eps(eps).weight_decay(weight_decay[g]);
            list.emplace_back(members[g], std::move(options));
        }
        auto defaults = torch::optim::AdamWOptions(ngroups > 0 ? lr[0] : 1e-3).betas({beta1, beta2}).eps(eps);
        return new vt_optimizer_s{std::make_unique<torch::optim::AdamW>(std::move(list), defaults)};
    }, nullptr);
}
int vt_optimizer_set_group_lr(vt_optimizer o, int group, double lr) {
    return status_call([&] {
        auto &groups = o->o->param_groups();
        if (group < 0 || group >= static_cast<int>(groups.size())) throw std::invalid_argument("no such parameter group");
        groups[group].options().set_lr(lr);
    });
}
int vt_optimizer_step(vt_optimizer o) { return status_call([&] { o->o->step(); }); }
int vt_optimizer_zero_grad(vt_optimizer o) { return status_call([&] { o->o->zero_grad(); }); }
int vt_optimizer_set_lr(vt_optimizer o, double lr) {
    return status_call([&] { for (auto &group : o->o->param_groups()) group.options().set_lr(lr); });
}
void vt_optimizer_free(vt_optimizer o) { delete o; }
int vt_optimizer_save(vt_optimizer o, const char *path) { return status_call([&] { torch::save(*o->o, path); }); }
int vt_optimizer_load(vt_optimizer o, const char *path) { return status_call([&] { torch::load(*o->o, path); }); }

}  // extern "C"
