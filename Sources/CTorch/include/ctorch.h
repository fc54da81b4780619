// vimo's flat C API over libtorch. Opaque handles; every call catches C++
// exceptions and reports failure by its return value (NULL or -1), with the
// message kept per thread in vt_last_error(). Nothing is thrown across this boundary.
#ifndef VIMO_CTORCH_H
#define VIMO_CTORCH_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vt_tensor_s *vt_tensor;        // owns one at::Tensor
typedef struct vt_optimizer_s *vt_optimizer;  // owns one torch::optim::Optimizer

// dtypes (vimo's own numbering, mapped in the shim)
enum { VT_F32 = 0, VT_F64 = 1, VT_F16 = 2, VT_BF16 = 3, VT_I64 = 4, VT_I32 = 5, VT_U8 = 6, VT_BOOL = 7, VT_I8 = 8, VT_I16 = 9 };
// devices
enum { VT_CPU = 0, VT_CUDA = 1 };

/// The message of the last failed call on this thread ("" if none).
const char *vt_last_error(void);

// ---- runtime
int vt_set_num_threads(int n);
int vt_get_num_threads(void);
int vt_manual_seed(uint64_t seed);
int vt_cuda_device_count(void);
/// Sets grad mode for this thread; returns the previous mode (0/1), -1 on error.
int vt_set_grad_enabled(int enabled);
/// Turns autocast on (enabled 1, computing in `dtype`) or off for this thread on the CPU (cuda 0) or CUDA
/// (cuda 1); returns the previous state (0/1), -1 on error. Leaving the outermost autocast region clears
/// its cast cache.
int vt_set_autocast(int cuda, int enabled, int dtype);
int vt_version(char *buffer, size_t size);

// ---- lifetime and facts
void vt_free(vt_tensor t);
int vt_ndim(vt_tensor t);
int vt_shape(vt_tensor t, int64_t *out);   // out has ndim slots
int vt_dtype(vt_tensor t);
int vt_device(vt_tensor t, int *index);     // returns VT_CPU / VT_CUDA
int64_t vt_numel(vt_tensor t);

// ---- creation and copies
vt_tensor vt_from_data(const void *data, const int64_t *shape, int ndim, int dtype);  // copies
int vt_copy_out(vt_tensor t, void *dst, size_t bytes);  // contiguous CPU copy of t's values
vt_tensor vt_full(const int64_t *shape, int ndim, double value, int dtype, int device, int index);
vt_tensor vt_rand(const int64_t *shape, int ndim, int normal, int dtype, int device, int index);
vt_tensor vt_arange(double start, double end, double step, int dtype);
vt_tensor vt_to(vt_tensor t, int dtype, int device, int index);  // dtype -1 keeps it
vt_tensor vt_clone(vt_tensor t);
vt_tensor vt_contiguous(vt_tensor t);
double vt_item(vt_tensor t, int *ok);

// ---- elementwise
enum {
    VT_NEG, VT_EXP, VT_LOG, VT_SQRT, VT_RSQRT, VT_ABS, VT_RELU, VT_GELU, VT_GELU_TANH, VT_SIGMOID, VT_TANH,
    VT_QUICK_GELU, VT_SIN, VT_COS, VT_FLOOR, VT_SQUARE, VT_SILU, VT_LOGICAL_NOT
};
vt_tensor vt_unary(int op, vt_tensor a);
enum { VT_ADD, VT_SUB, VT_MUL, VT_DIV, VT_POW, VT_MAXIMUM, VT_MINIMUM, VT_EQ, VT_NE, VT_LT, VT_LE, VT_GT, VT_GE,
       VT_LOGICAL_AND, VT_LOGICAL_OR };
vt_tensor vt_binary(int op, vt_tensor a, vt_tensor b);
vt_tensor vt_binary_scalar(int op, vt_tensor a, double s);   // a op s
vt_tensor vt_rscalar(int op, double s, vt_tensor a);         // s op a (sub, div, pow)
vt_tensor vt_where(vt_tensor cond, vt_tensor a, vt_tensor b);
vt_tensor vt_clamp(vt_tensor a, double lo, double hi, int has_lo, int has_hi);
vt_tensor vt_masked_fill(vt_tensor a, vt_tensor mask, double value);

// ---- reductions (dims NULL/ndims 0 = all)
enum { VT_SUM, VT_MEAN, VT_AMAX, VT_AMIN, VT_PROD, VT_VAR, VT_STD, VT_LOGSUMEXP, VT_NORM };
vt_tensor vt_reduce(int op, vt_tensor a, const int64_t *dims, int ndims, int keepdim);
vt_tensor vt_argmax(vt_tensor a, int64_t dim, int keepdim);
vt_tensor vt_cumsum(vt_tensor a, int64_t dim);
vt_tensor vt_topk(vt_tensor a, int64_t k, int64_t dim, vt_tensor *indices);

// ---- shape and indexing
vt_tensor vt_reshape(vt_tensor a, const int64_t *shape, int ndim);
vt_tensor vt_view(vt_tensor a, const int64_t *shape, int ndim);
vt_tensor vt_permute(vt_tensor a, const int64_t *dims, int ndim);
vt_tensor vt_transpose(vt_tensor a, int64_t d0, int64_t d1);
vt_tensor vt_expand(vt_tensor a, const int64_t *shape, int ndim);
vt_tensor vt_unsqueeze(vt_tensor a, int64_t dim);
vt_tensor vt_squeeze(vt_tensor a, int64_t dim);
vt_tensor vt_flatten(vt_tensor a, int64_t start, int64_t end);
vt_tensor vt_slice(vt_tensor a, int64_t dim, int64_t start, int64_t end, int64_t step);
vt_tensor vt_select(vt_tensor a, int64_t dim, int64_t index);
vt_tensor vt_index_select(vt_tensor a, int64_t dim, vt_tensor index);
vt_tensor vt_gather(vt_tensor a, int64_t dim, vt_tensor index);
vt_tensor vt_cat(const vt_tensor *list, int n, int64_t dim);
vt_tensor vt_stack(const vt_tensor *list, int n, int64_t dim);
vt_tensor vt_repeat(vt_tensor a, const int64_t *repeats, int n);
/// F.pad order; mode 0 constant (value), 1 replicate, 2 reflect.
vt_tensor vt_pad(vt_tensor a, const int64_t *pad, int n, int mode, double value);

// ---- linear algebra and neural-network functions
vt_tensor vt_matmul(vt_tensor a, vt_tensor b);
vt_tensor vt_linear(vt_tensor x, vt_tensor w, vt_tensor b /* nullable */);
vt_tensor vt_conv2d(vt_tensor x, vt_tensor w, vt_tensor b, const int64_t *stride, const int64_t *padding,
                    const int64_t *dilation, int64_t groups);
vt_tensor vt_avg_pool2d(vt_tensor x, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                        int ceil_mode, int count_include_pad);
vt_tensor vt_max_pool2d(vt_tensor x, const int64_t *kernel, const int64_t *stride, const int64_t *padding);
vt_tensor vt_softmax(vt_tensor a, int64_t dim);
vt_tensor vt_log_softmax(vt_tensor a, int64_t dim);
vt_tensor vt_layer_norm(vt_tensor x, const int64_t *shape, int ndim, vt_tensor w, vt_tensor b, double eps);
vt_tensor vt_group_norm(vt_tensor x, int64_t groups, vt_tensor w, vt_tensor b, double eps);
vt_tensor vt_batch_norm(vt_tensor x, vt_tensor w, vt_tensor b, vt_tensor running_mean, vt_tensor running_var,
                        int training, double momentum, double eps);
vt_tensor vt_instance_norm(vt_tensor x, vt_tensor w, vt_tensor b, double eps);
vt_tensor vt_dropout(vt_tensor x, double p, int training);
vt_tensor vt_embedding(vt_tensor weight, vt_tensor indices);
/// softmax(q kᵀ · scale + mask) v; mask nullable: bool (true = keep) or float (added); dropout applied when p > 0.
vt_tensor vt_attention(vt_tensor q, vt_tensor k, vt_tensor v, vt_tensor mask, double dropout, int causal, double scale);
/// mode 0 bilinear 1 nearest; padding 0 zeros 1 border 2 reflection
vt_tensor vt_grid_sample(vt_tensor x, vt_tensor grid, int mode, int padding, int align_corners);
/// mode 0 bilinear 1 nearest
vt_tensor vt_interpolate(vt_tensor x, int64_t out_h, int64_t out_w, int mode, int align_corners);
vt_tensor vt_unfold(vt_tensor x, const int64_t *kernel, const int64_t *dilation, const int64_t *padding, const int64_t *stride);

// ---- losses
vt_tensor vt_bce_with_logits(vt_tensor x, vt_tensor y, vt_tensor weight, vt_tensor pos_weight, int reduction);  // 0 none 1 mean 2 sum
vt_tensor vt_mse(vt_tensor x, vt_tensor y, int reduction);
vt_tensor vt_cross_entropy(vt_tensor logits, vt_tensor target, int reduction);
vt_tensor vt_cosine_similarity(vt_tensor a, vt_tensor b, int64_t dim, double eps);

// ---- autograd
int vt_set_requires_grad(vt_tensor t, int requires);
int vt_requires_grad(vt_tensor t);
int vt_backward(vt_tensor t, vt_tensor gradient /* nullable */, int retain_graph);
vt_tensor vt_grad(vt_tensor t);   // NULL with empty error when there is no gradient
int vt_zero_grad(vt_tensor t);    // drops the gradient
vt_tensor vt_detach(vt_tensor t);
/// In-place, without recording history: dst.copy_(src).
int vt_assign(vt_tensor dst, vt_tensor src);
/// dst.set_data(src): the handle now refers to src's storage, dtype and device (module moves).
int vt_set_data(vt_tensor dst, vt_tensor src);
/// Clips the total 2-norm of the gradients of params; returns the norm before clipping (-1 on error).
double vt_clip_grad_norm(const vt_tensor *params, int n, double max_norm);

// ---- optimisers (libtorch's own)
vt_optimizer vt_sgd_new(const vt_tensor *params, int n, double lr, double momentum, double weight_decay, int nesterov);
vt_optimizer vt_adam_new(const vt_tensor *params, int n, double lr, double beta1, double beta2, double eps,
                         double weight_decay, int decoupled /* 1 = AdamW */);
/// AdamW over parameter groups: parameter i belongs to group groups[i] in [0, ngroups), which has its own
/// learning rate lr[g] and decoupled weight decay weight_decay[g].
vt_optimizer vt_adamw_groups_new(const vt_tensor *params, const int *groups, int n, int ngroups, const double *lr,
                                 const double *weight_decay, double beta1, double beta2, double eps);
/// Sets the learning rate of group `group` (0-based).
int vt_optimizer_set_group_lr(vt_optimizer o, int group, double lr);
int vt_optimizer_step(vt_optimizer o);
int vt_optimizer_zero_grad(vt_optimizer o);
int vt_optimizer_set_lr(vt_optimizer o, double lr);
void vt_optimizer_free(vt_optimizer o);
/// The optimiser's state (moments, step counts) to / from a file, for exact resumption.
int vt_optimizer_save(vt_optimizer o, const char *path);
int vt_optimizer_load(vt_optimizer o, const char *path);

#ifdef __cplusplus
}
#endif
#endif
