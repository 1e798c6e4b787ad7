/** Training: the Trainer, its checkpoints, optimizers, schedules and loss. */
export { Trainer, type TrainerOptions, type StageRunOptions, type FitStatus } from './trainer.js';
export type { Callback, TrainerView } from './callback.js';
export {
  CheckpointConfig,
  EarlyStoppingConfig,
  LrSchedulerConfig,
  OptimizerConfig,
  TrainerConfig,
} from './config.js';
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  loadModelWeights,
  loadRecognizerFromCheckpoint,
  readCheckpoint,
  recognizerFromCheckpoint,
  saveCheckpoint,
  type Checkpoint,
  type CheckpointState,
} from '../checkpoint/checkpoint.js';
export { readSafetensors, writeSafetensors } from '../checkpoint/safetensors_file.js';
export type { RawTensor } from '../checkpoint/safetensors.js';
export { writeFileAtomic, writeFileAtomicSync } from '../core/atomic_write.js';
export { AdamOptimizer, createOptimizer } from './optimizer.js';
export { createLrScheduler, type LrScheduler } from './lr_scheduler.js';
export { crossEntropy, teacherForcedLoss } from './loss.js';
export { clipGradNorm, globalNorm } from './grad_clip.js';
export { ModelCheckpoint, LAST_CHECKPOINT } from './model_checkpoint.js';
export { EarlyStopping } from './early_stopping.js';
export { OverfitData } from './overfit_data.js';
export { evaluate, predictRows } from './evaluation.js';
export { accumulateGradients, applyGradients, paramIndex } from './train_step.js';
