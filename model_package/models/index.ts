/** Public surface of the models package. */
export * from './types.js';
export { MODEL_REGISTRY, getModelEntry, type ModelEntry } from './registry.js';
export { BaseModule } from './module.js';
export { ResnetTransformer, ResnetTransformerConfig, StageConfig } from './resnet_transformer.js';
export { ResnetEncoder, type StageSpec } from './resnet_encoder.js';
export { BasicBlock } from './basic_block.js';
export { TransformerDecoder, DecoderLayer } from './transformer_decoder.js';
export { ImagePositions, TextPositions, sinusoidTable, type PosEncodingKind } from './positional_encoding.js';
export { Conv2d } from './layers/conv2d.js';
export { BatchNorm2d } from './layers/batch_norm2d.js';
export { Linear } from './layers/linear.js';
export { Embedding } from './layers/embedding.js';
export { LayerNorm } from './layers/layer_norm.js';
export { MultiHeadAttention, causalMask, type KV, type HeadLayout } from './layers/multi_head_attention.js';
export { CachedStepDecoder, FullStepDecoder, type CachedStepper, type StepModel } from './step_decoder.js';
export * from './decoding/index.js';
