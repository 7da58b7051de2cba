// Exponentials per second on one GPU: ex2.approx.ftz.f32 (one result per instruction) against
// ex2.approx.f16x2 and ex2.approx.ftz.bf16x2 (two results per instruction), each in a dependent-free
// stream of 8 independent chains per thread, and the scan's inner step (exp2 of dt*a, fma into the state)
// in f32 and with the exponentials taken two at a time in f16x2. Session 7: is the bf16 selective scan's
// exp-bound pass 1 worth an f16x2 exponential (next session's question)?
#include <cstdio>
#include <cuda_fp16.h>
#include <cuda_bf16.h>

__device__ __forceinline__ float ex2f(float x) { float r; asm volatile("ex2.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(x)); return r; }
__device__ __forceinline__ unsigned ex2h2(unsigned x) { unsigned r; asm volatile("ex2.approx.f16x2 %0, %1;" : "=r"(r) : "r"(x)); return r; }
__device__ __forceinline__ unsigned ex2b2(unsigned x) { unsigned r; asm volatile("ex2.approx.ftz.bf16x2 %0, %1;" : "=r"(r) : "r"(x)); return r; }

__global__ void f32(float* out, int iters, float seed) {
  float v[8]; for (int k = 0; k < 8; k++) v[k] = -0.001f * (threadIdx.x + k) * seed;
  for (int i = 0; i < iters; i++) for (int k = 0; k < 8; k++) v[k] = ex2f(v[k]) - 1.0f;
  float s = 0; for (int k = 0; k < 8; k++) s += v[k]; out[blockIdx.x * blockDim.x + threadIdx.x] = s;
}
__global__ void h2(float* out, int iters, float seed) {
  unsigned v[8]; for (int k = 0; k < 8; k++) { __half2 h = __floats2half2_rn(-0.001f * (threadIdx.x + k) * seed, -0.002f * seed); v[k] = *(unsigned*)&h; }
  const __half2 one = __floats2half2_rn(1.0f, 1.0f);
  for (int i = 0; i < iters; i++) for (int k = 0; k < 8; k++) { unsigned e = ex2h2(v[k]); __half2 t = __hsub2(*(__half2*)&e, one); v[k] = *(unsigned*)&t; }
  float s = 0; for (int k = 0; k < 8; k++) { float2 f = __half22float2(*(__half2*)&v[k]); s += f.x + f.y; } out[blockIdx.x * blockDim.x + threadIdx.x] = s;
}
__global__ void b2(float* out, int iters, float seed) {
  unsigned v[8]; for (int k = 0; k < 8; k++) { __nv_bfloat162 h = __floats2bfloat162_rn(-0.001f * (threadIdx.x + k) * seed, -0.002f * seed); v[k] = *(unsigned*)&h; }
  const __nv_bfloat162 one = __floats2bfloat162_rn(1.0f, 1.0f);
  for (int i = 0; i < iters; i++) for (int k = 0; k < 8; k++) { unsigned e = ex2b2(v[k]); __nv_bfloat162 t = __hsub2(*(__nv_bfloat162*)&e, one); v[k] = *(unsigned*)&t; }
  float s = 0; for (int k = 0; k < 8; k++) { float2 f = __bfloat1622float2(*(__nv_bfloat162*)&v[k]); s += f.x + f.y; } out[blockIdx.x * blockDim.x + threadIdx.x] = s;
}
// the scan's state step over 16 states: h = exp2(dt * a) * h + dtu * b, f32 exponentials
__global__ void stepF32(float* out, int iters, float seed) {
  float h[16], a[16]; for (int n = 0; n < 16; n++) { h[n] = 0; a[n] = -1.4427f * (n + 1) * seed; }
  float dt = 0.01f + threadIdx.x * 1e-5f, dtu = 0.5f * dt;
  for (int i = 0; i < iters; i++) { for (int n = 0; n < 16; n++) h[n] = fmaf(ex2f(dt * a[n]), h[n], dtu * a[15 - n]); dt += 1e-7f; dtu += 1e-7f; }
  float s = 0; for (int n = 0; n < 16; n++) s += h[n]; out[blockIdx.x * blockDim.x + threadIdx.x] = s;
}
// the same step with the exponentials two at a time: dt * a in f32, packed to f16x2, ex2, unpacked
__global__ void stepH2(float* out, int iters, float seed) {
  float h[16], a[16]; for (int n = 0; n < 16; n++) { h[n] = 0; a[n] = -1.4427f * (n + 1) * seed; }
  float dt = 0.01f + threadIdx.x * 1e-5f, dtu = 0.5f * dt;
  for (int i = 0; i < iters; i++) {
    for (int n = 0; n < 16; n += 2) {
      __half2 x = __floats2half2_rn(dt * a[n], dt * a[n + 1]);
      unsigned e = ex2h2(*(unsigned*)&x); float2 d = __half22float2(*(__half2*)&e);
      h[n] = fmaf(d.x, h[n], dtu * a[15 - n]); h[n + 1] = fmaf(d.y, h[n + 1], dtu * a[14 - n]);
    }
    dt += 1e-7f; dtu += 1e-7f;
  }
  float s = 0; for (int n = 0; n < 16; n++) s += h[n]; out[blockIdx.x * blockDim.x + threadIdx.x] = s;
}

template <typename K> void time(const char* name, K kernel, double resultsPerThreadIter, int iters) {
  int blocks = 132 * 16, threads = 256; float* out; cudaMalloc(&out, sizeof(float) * blocks * threads);
  kernel<<<blocks, threads>>>(out, iters, 1.0f); cudaDeviceSynchronize();
  cudaEvent_t a, b; cudaEventCreate(&a); cudaEventCreate(&b);
  float best = 1e30f;
  for (int r = 0; r < 5; r++) { cudaEventRecord(a); kernel<<<blocks, threads>>>(out, iters, 1.0f); cudaEventRecord(b); cudaEventSynchronize(b); float ms; cudaEventElapsedTime(&ms, a, b); if (ms < best) best = ms; }
  double n = (double) blocks * threads * iters * resultsPerThreadIter;
  printf("%-8s %8.3f ms  %7.2f T exps/s (%s)\n", name, best, n / best / 1e9, cudaGetErrorString(cudaGetLastError()));
  cudaFree(out);
}
int main() {
  time("f32", f32, 8, 4096);
  time("f16x2", h2, 16, 4096);
  time("bf16x2", b2, 16, 4096);
  time("stepF32", stepF32, 16, 4096);
  time("stepH2", stepH2, 16, 4096);
  return 0;
}
