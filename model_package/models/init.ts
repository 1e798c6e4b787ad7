/**
 * Seeded weight initialisers. Values are drawn in JS from `Rng` so the same seed
 * gives the same weights on every backend (cpu, wasm, node).
 */
import type { Rng } from '../core/rng.js';

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function uniformValues(shape: readonly number[], bound: number, rng: Rng): Float32Array {
  const out = new Float32Array(size(shape));
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-bound, bound);
  return out;
}

export function normalValues(shape: readonly number[], std: number, rng: Rng): Float32Array {
  const out = new Float32Array(size(shape));
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * std;
  return out;
}

export function constantValues(shape: readonly number[], value: number): Float32Array {
  return new Float32Array(size(shape)).fill(value);
}

/** He/Kaiming normal with fan-out and ReLU gain (torchvision's ResNet conv init). */
export function kaimingNormalFanOut(shape: readonly number[], fanOut: number, rng: Rng): Float32Array {
  return normalValues(shape, Math.sqrt(2 / fanOut), rng);
}

/** PyTorch's nn.Linear / nn.Conv2d default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
export function fanInUniform(shape: readonly number[], fanIn: number, rng: Rng): Float32Array {
  return uniformValues(shape, 1 / Math.sqrt(fanIn), rng);
}

/** Glorot/Xavier uniform (PyTorch's nn.MultiheadAttention in_proj init). */
export function xavierUniform(shape: readonly number[], fanIn: number, fanOut: number, rng: Rng): Float32Array {
  return uniformValues(shape, Math.sqrt(6 / (fanIn + fanOut)), rng);
}
