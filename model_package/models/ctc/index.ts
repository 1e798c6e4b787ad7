/** CTC for the encoder's column features: forward-backward, decoding, labels. The loss op is training/ctc_loss.ts. */
export {
  checkLogProbsShape,
  ctcExtendedLabel,
  ctcForwardBackward,
  ctcLogLikelihood,
  ctcMinFrames,
  logAddExp,
  logSoftmaxRows,
  type CtcPosteriors,
  type LogProbs,
} from './ctc_forward.js';
export { ctcGreedy, ctcPrefixBeam, ctcScore, type CtcGreedyResult, type CtcHypothesis } from './ctc_decode.js';
export { ctcLabelsFromEncoded } from './ctc_targets.js';
