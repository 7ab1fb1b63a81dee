// The stages the engine can run, by phase.
import type { Phase } from '../../core/protocol/records';
import { runPretrainStage } from '../pretrain/stage';
import { runRlStage } from '../rl/stage';
import type { StageEnd, TrainingContext } from './context';

export const STAGES: Record<Phase, (ctx: TrainingContext) => Promise<StageEnd>> = {
  pretrain: runPretrainStage,
  rl: runRlStage,
};
