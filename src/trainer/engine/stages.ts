// The stages the engine can run, by phase.
import type { Phase } from '../../core/protocol/records';
import { pretrainStage } from '../pretrain/stage';
import { rlStage } from '../rl/stage';
import type { Stage } from './context';

export const STAGES: Record<Phase, Stage> = {
  pretrain: pretrainStage,
  rl: rlStage,
};
